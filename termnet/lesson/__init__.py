"""The Lesson: one sample forward, its error back, step by step (engine-only: no user interface)."""
