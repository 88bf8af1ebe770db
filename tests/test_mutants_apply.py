"""scripts/mutants.py's bugs still fit the code: each snippet occurs exactly once where it points.

The mutation run itself is slow and run by hand (python scripts/mutants.py). This fast check is what
tells whoever edits a file that one of the planted bugs no longer applies: re-target its snippet.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_mutants():
    spec = importlib.util.spec_from_file_location("termnet_mutants", ROOT / "scripts" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


MUTANTS = _load_mutants().MUTANTS


def test_the_list_is_long_and_every_id_unique():
    ids = [m.id for m in MUTANTS]
    assert len(ids) >= 25 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_the_snippet_occurs_exactly_once(mutant):
    text = (ROOT / mutant.file).read_text()
    count = text.count(mutant.original)
    assert count == 1, (f"mutant {mutant.id!r}: its snippet occurs {count} times in {mutant.file}; "
                        f"update its original text in scripts/mutants.py to the new code")
    assert mutant.replacement != mutant.original


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_the_tests_it_runs_exist_and_are_no_screenshots(mutant):
    assert mutant.tests
    for path in mutant.tests:
        assert (ROOT / path.split("::")[0]).exists(), f"mutant {mutant.id!r}: no {path}"
        assert "snapshot" not in path
