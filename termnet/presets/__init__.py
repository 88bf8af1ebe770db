"""The presets that ship with termnet (TOML specs beside this file) and their fitting to the images loaded."""

from .fit import PresetChoice, PresetUnavailable, fit_preset, fit_spec, preset_choices, shape_text, stack_line

__all__ = ["PresetChoice", "PresetUnavailable", "fit_preset", "fit_spec", "preset_choices", "shape_text",
           "stack_line"]
