"""The Textual dashboard: the only package that imports Textual."""

from .app import TermnetApp, make_app

__all__ = ["TermnetApp", "make_app"]
