"""The dashboard's first screen imports only what it draws: scikit-learn (metrics, datasets), scipy and the
download stack come later, when something needs them (evaluating, loading the digits, downloading).

Each check runs in a fresh interpreter, so that modules imported by other tests cannot hide an import."""

import subprocess
import sys

import pytest

#: Seconds of import each (measured with python -X importtime; benchmarks/startup.py --imports shows them),
#: none of which the first screen needs.
HEAVY = ("sklearn", "scipy", "pooch", "requests")

_REPORT = "print(','.join(m for m in {heavy!r} if m in sys.modules))"

IMPORTS = "import sys; import termnet.cli; from termnet.app.app import make_app"

# The whole first screen, every tab composed and mounted, with a small dataset handed in (the app then has
# no data to load, so whatever was imported was imported to draw the screen).
FIRST_SCREEN = """
import asyncio, sys
import numpy as np
from termnet.app.app import make_app
from termnet.data import Dataset

rng = np.random.default_rng(0)
data = Dataset("digits", rng.random((40, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 40),
               rng.random((20, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 20),
               [str(d) for d in range(10)], "40 random 8x8 images")

async def first_screen():
    app = make_app(dataset=data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.dashboard.query_one("#layers").stack, "the first screen was not drawn"

asyncio.run(first_screen())
"""


def heavy_modules_after(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", code + "\n" + _REPORT.format(heavy=HEAVY)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [name for name in result.stdout.strip().split(",") if name]


def test_importing_the_command_and_the_app_leaves_the_heavy_libraries_out():
    assert heavy_modules_after(IMPORTS) == []


@pytest.mark.parametrize("module", ["termnet.metrics", "termnet.data", "termnet.cli"])
def test_each_light_module_alone_leaves_them_out(module):
    assert heavy_modules_after(f"import sys, {module}") == []


def test_drawing_the_first_screen_leaves_them_out():
    assert heavy_modules_after(FIRST_SCREEN) == []

