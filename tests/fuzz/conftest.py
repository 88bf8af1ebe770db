"""The fuzzing suite: Hypothesis profiles, quick by default (CI), long with --fuzz-long.

Every test here asserts that hostile input comes out as one of termnet's own errors (never a
traceback from inside Python or NumPy), that memory stays bounded, and that nothing is written
outside the target. The number of examples is the profile's, so a test never sets its own.
"""

import pytest
from hypothesis import HealthCheck, settings

# no deadline: these machines are shared and a slow example is not a failure
settings.register_profile("termnet-quick", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("termnet-long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def pytest_configure(config):
    settings.load_profile("termnet-long" if config.getoption("--fuzz-long") else "termnet-quick")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/fuzz/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.fuzz)
