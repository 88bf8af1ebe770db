"""The screenshots hold no number that depends on the CPU: they pass under another BLAS kernel too.

OpenBLAS picks its kernels by processor (Haswell on AVX2, SkylakeX on AVX-512, ...), and each rounds
float sums in its own order. ``OPENBLAS_CORETYPE`` forces a kernel, so this machine can play an older
processor: if a snapshot held rounding noise (say a gradient-check error of 3.21e-09), it fails here.
"""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def openblas_kernel() -> str | None:
    import numpy  # noqa: F401 - loads OpenBLAS, so threadpoolctl can see it
    from threadpoolctl import threadpool_info

    return next((info.get("architecture") for info in threadpool_info() if info.get("internal_api") == "openblas"),
                None)


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="the forced kernel is an x86-64 one")
def test_the_snapshots_pass_under_another_blas_kernel(tmp_path):
    if openblas_kernel() is None:
        pytest.skip("NumPy does not use OpenBLAS here")
    # SSE3 "Prescott" kernels run on every x86-64 processor and round differently from the AVX2/AVX-512 ones
    env = {**os.environ, "OPENBLAS_CORETYPE": "Prescott"}
    check = subprocess.run([sys.executable, "-c", "from tests.app.test_portability import openblas_kernel as k;"
                            "print(k())"], env=env, cwd=HERE.parent.parent, capture_output=True, text=True)
    assert check.stdout.strip() not in ("", "None", openblas_kernel()), "the kernel was not changed: " + check.stderr
    # the figures a kernel could change are the same at 80x24 as at 120x40: one size is enough (half the time)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", "not 80x24",
                          str(HERE / "test_snapshots.py")], env=env, cwd=HERE.parent.parent,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"snapshots differ under {check.stdout.strip()} kernels:\n{run.stdout[-3000:]}"
