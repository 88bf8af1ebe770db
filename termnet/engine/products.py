"""Thin matrix products cut into pieces that OpenBLAS multiplies without packing them first.

OpenBLAS's SkylakeX-class kernels (AVX-512: SkylakeX, Cooperlake, SapphireRapids) have a direct path for
float32 products with m * n * k up to 100**3 (``sgemm_small_kernel_permit_skylakex.c``); above it every
operand is packed first. A first convolution's products are thin and long: its forward is (16 x 10) times
(10 x 43,264) for the reference CNN at batch 64, its kernel gradient (10 x 43,264) times (43,264 x 16). Cut
into pieces under that size, measured on such a CPU: the forward 297 -> 179 us and the gradient 490 -> 250 us,
1 or 2 threads alike (OpenBLAS splits neither over threads). With other kernels (Haswell, Zen) the pieces
measured 0-10% slower, so they are cut only where the direct path exists.
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np

#: OpenBLAS's limit on m * n * k for its direct path.
DIRECT_LIMIT = 100 ** 3
#: Pieces narrower than this are not worth their calls.
MIN_PIECE = 1024
#: OpenBLAS core types whose float32 products take the direct path.
DIRECT_CORES = ("skylakex", "cooperlake", "sapphirerapids")


def blas_libraries() -> list[dict]:
    """threadpoolctl's description of each BLAS NumPy has loaded (none known without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # threadpoolctl comes with scikit-learn, but the engine does not need it
        return []
    return [info for info in threadpool_info() if info.get("user_api") == "blas"]


class BlasLimit:
    """One fit's hold on NumPy's BLAS at one thread (``one_blas_thread``)."""

    def __init__(self):
        self.held = True

    def restore_original_limits(self) -> None:
        """Let go; the last holder gives BLAS back the threads it had before the first."""
        global _limiter, _holders
        if not self.held:
            return
        self.held = False
        with _limit_lock:
            _holders -= 1
            if _holders == 0 and _limiter is not None:
                _let_any_thread_set_blas_threads()  # the last fit to end may not be the thread that limited
                _limiter.restore_original_limits()
                _limiter = None
                _let_any_thread_set_blas_threads()


_limit_lock = threading.Lock()
_holders = 0  # fits that hold the limit now: the limit is the process's, and fits may overlap (threads)
_limiter = None


def _forget_holds_after_fork() -> None:
    """A forked child holds none of its parent's fits (and must not wait on a lock a parent's thread held)."""
    global _limit_lock, _holders, _limiter
    _limit_lock, _holders, _limiter = threading.Lock(), 0, None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_holds_after_fork)


def one_blas_thread() -> BlasLimit | None:
    """Limit NumPy's BLAS to one thread until the returned hold's ``restore_original_limits()`` (None
    without threadpoolctl): for work already split over cores, one share on each. Holds are counted, so two
    overlapping fits that end in any order leave BLAS as it was before both."""
    global _limiter, _holders
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    with _limit_lock:
        if _holders == 0:
            _let_any_thread_set_blas_threads()
            _limiter = ThreadpoolController().limit(limits=1, user_api="blas")
        _holders += 1
    return BlasLimit()


def _let_any_thread_set_blas_threads() -> None:
    """threadpoolctl 3.8+ lets only the thread that last set OpenBLAS's thread count set it again (any other
    silently does nothing) until that thread lets go, which ``limit()`` never does. A fit in the app's worker
    thread after a limit in the main thread (a benchmark's headless run) then kept BLAS's two threads beside a
    helper process: 37% slower. The hold is the process's, so this fit takes control, and leaves it free after."""
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:
        return
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)  # threadpoolctl 3.8+
    if clear is not None:
        clear(force=True)


@functools.cache
def direct_path() -> bool:
    """Whether NumPy's BLAS is an OpenBLAS with the direct path for small float32 products."""
    return any(info.get("internal_api") == "openblas" and str(info.get("architecture", "")).lower() in DIRECT_CORES
               for info in blas_libraries())


def _piece(other_sizes: int, length: int, dtype) -> int | None:
    """The width of the pieces along a dimension of ``length`` (None: one product), the other two sizes'
    product being ``other_sizes``."""
    if dtype != np.float32 or not direct_path():
        return None
    piece = DIRECT_LIMIT // max(other_sizes, 1)
    return piece if MIN_PIECE <= piece < length else None


def wide_product(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``a @ b`` into ``out`` for a small ``a`` (m x k) and a wide ``b`` (k x n): in column blocks of ``b``."""
    m, k = a.shape
    piece = _piece(m * k, b.shape[1], np.result_type(a, b))
    if piece is None:
        return np.matmul(a, b, out=out)
    for start in range(0, b.shape[1], piece):
        np.matmul(a, b[:, start:start + piece], out=out[:, start:start + piece])
    return out


def long_inner_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for ``a`` (m x K) and ``b`` (K x n) with a long shared K and a small result: the sum of the
    products of K's pieces."""
    m, length = a.shape
    piece = _piece(m * b.shape[1], length, np.result_type(a, b))
    if piece is None:
        return a @ b
    total = a[:, :piece] @ b[:piece]
    for start in range(piece, length, piece):
        total += a[:, start:start + piece] @ b[start:start + piece]
    return total
