"""The engine and the data package never import the user interface."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["termnet", "termnet.engine", "termnet.data"])
def test_no_ui_library_is_imported(module):
    code = (f"import sys, {module}; "
            "print(','.join(m for m in ('textual', 'rich', 'plotext', 'textual_plotext') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
