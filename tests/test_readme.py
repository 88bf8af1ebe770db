"""The README's commands stay true: CI runs exactly the test command it gives."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    install_and_test = next(c for c in commands if "pytest" in c)
    install, test = install_and_test.split(" && ", 1)
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"{install.replace('python3 -m pip install', 'python3 -m pip install -q')}\n{test}\n" in ci


def test_the_readme_shows_every_screenshot():
    readme = (ROOT / "README.md").read_text()
    for svg in sorted((ROOT / "screenshots").glob("*.svg")):
        if svg.stem != "help":
            assert f"screenshots/{svg.name}" in readme
