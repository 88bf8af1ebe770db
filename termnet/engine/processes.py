"""Data-parallel training steps in helper processes: one batch split across cores.

Threads cannot share a step's element-wise work (im2col copies, pooling maxima, masks, col2im): every NumPy
call gives the GIL up and takes it back, and two threads of one process slowed each other down, ~50 handovers
a step (the reference CNN on 2 cores: 5.5 ms a batch of 64 in two thread shards, 5.9 ms on one thread, 4.9
with BLAS's two threads). Processes run side by side at full speed. So this process trains on the first rows
of each batch while every helper process trains on a later share, and one round trip a step carries the rest
through memory both map (a memfd): the weights and the helper's samples and targets in, its gradients and
outputs back. Each share's error is the whole batch's loss gradient for its rows (a loss is a mean over the
batch's samples), so the summed gradients are the batch's.

A helper is started once per process (the first fit that wants one waits for it, ~0.3 s, so every step of
every fit splits the same way), kept between fits, and stops when this process closes its socket or exits.
It builds its copy of the network from the layers' specs, so only the built-in layer types travel, and none
that draws per-sample randomness (Dropout: threads, parallel.py, keep that in step). Linux only (memfd and
descriptor passing); elsewhere batches split over threads as before.
"""

from __future__ import annotations

import atexit
import json
import mmap
import os
import select
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from . import flat, products
from .layer import Layer
from .losses import LOSSES
from .registry import LAYER_TYPES, layer_from_config, layer_type

#: The environment a helper starts with: one thread per BLAS (set before it imports NumPy), one per core.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}
#: The fewest samples a share of a batch has: the cnn preset (batch 32) trains 11% faster in two shares of 16 than
#: with BLAS's two threads, batches of 16 (shares of 8) 4%. Threads need twice as many (parallel.MIN_SHARD).
MIN_SHARE = 16
#: How long a fit waits for a new helper to import NumPy and the engine before it trains without it.
START_SECONDS = 30.0
#: A helper whose share of a step takes more than STEP_SECONDS + STEP_PATIENCE times this process's share is
#: taken as stuck: stopped, and the step done here.
STEP_SECONDS, STEP_PATIENCE = 30.0, 10.0
#: Messages are small JSON documents (a step's is ~40 bytes, a fit's the layers' specs).
MESSAGE_BYTES = 1 << 20
ALIGN = 64  # bytes: each array of the shared memory starts on a cache line

_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds the termnet package


def supported() -> bool:
    """Whether this system can run helpers at all (memfd and descriptor passing: Linux)."""
    return hasattr(os, "memfd_create") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


def usable(layers: list[Layer], loss) -> bool:
    """Whether a fit of ``layers`` and ``loss`` can split its batches with helpers here: the system has them,
    none failed to start in this process, and the layers and loss can travel to one."""
    return supported() and start_problem is None and travels(layers, loss)


def travels(layers: list[Layer], loss) -> bool:
    """Whether a helper can train a share of every batch for ``layers`` and ``loss``: each of a built-in type
    (a helper builds them from their names and specs) and no layer that keeps per-batch randomness in step with
    the original (``follow``)."""
    return (type(loss) in LOSSES.values()
            and all(type(layer).__module__.startswith("termnet.engine.")
                    and LAYER_TYPES.get(layer_type(layer)) is type(layer)
                    and type(layer).follow is Layer.follow for layer in layers))


# -- messages: one JSON document per datagram, a descriptor alongside when a fit starts ---------------------
def _send(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def _receive(sock: socket.socket) -> tuple[dict | None, list[int]]:
    """The next message and the descriptors sent with it; (None, []) once the other end has closed."""
    data, fds, _flags, _address = socket.recv_fds(sock, MESSAGE_BYTES, 1)
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(data), fds


# -- the shared memory of one helper, as both processes see it ------------------------------------------------
class SharedArrays:
    """The weights, gradients, samples, targets and outputs of one helper's share, in one mapping."""

    def __init__(self, fd: int, shapes: list[list[int]], rows: int, sample: list[int], width: int, dtype: str):
        self.dtype = np.dtype(dtype)
        sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
        total = sum(sizes)
        regions = {"params": total, "grads": total, "x": rows * int(np.prod(sample, dtype=np.int64)),
                   "y": rows * width, "out": rows * width}
        offsets, end = {}, 0
        for name, count in regions.items():
            offsets[name] = end
            end += -(-count * self.dtype.itemsize // ALIGN) * ALIGN
        self.nbytes = max(end, ALIGN)
        if os.fstat(fd).st_size < self.nbytes:
            os.ftruncate(fd, self.nbytes)
        self.memory = mmap.mmap(fd, self.nbytes)

        def region(name):
            return np.frombuffer(self.memory, self.dtype, regions[name], offsets[name])

        self.flat_params, self.flat_grads = region("params"), region("grads")
        self.params, self.grads = flat.views_of(self.flat_params, shapes), flat.views_of(self.flat_grads, shapes)
        self.x = region("x").reshape((rows, *sample))
        self.y, self.out = region("y").reshape(rows, width), region("out").reshape(rows, width)

    def close(self) -> None:
        # dropped, not closed: a layer may still hold a view (its input), which keeps the mapping alive until then
        self.params = self.grads = self.flat_params = self.flat_grads = self.x = self.y = self.out = None
        self.memory = None


def fit_message(network, rows: int) -> dict:
    """What a helper builds its copy of ``network`` from, for shares of up to ``rows`` samples."""
    return {"op": "fit", "rows": rows, "dtype": network.dtype.name, "width": int(np.prod(network.output_shape)),
            "sample": list(network.input_shape), "shapes": [list(p.shape) for p in network.params()],
            "loss": network.loss.name, "layers": [[layer_type(layer), layer.config()] for layer in network.layers]}


# -- the helper process ---------------------------------------------------------------------------------------
class _Share:
    """A helper's side of one fit: its copy of the network and the shared arrays."""

    def __init__(self, message: dict, fd: int):
        from .network import Network

        self.network = Network(batch_size=message["rows"], dtype=message["dtype"], threads=1)
        for kind, config in message["layers"]:
            self.network.add(layer_from_config(kind, config))
        self.network.use(message["loss"]).build(tuple(message["sample"]))
        shapes = [list(p.shape) for p in self.network.params()]
        if shapes != message["shapes"]:
            raise ValueError(f"the helper built weights of shapes {shapes}, not {message['shapes']}")
        try:
            self.arrays = SharedArrays(fd, shapes, message["rows"], message["sample"], message["width"],
                                       message["dtype"])
        finally:
            os.close(fd)  # the mapping keeps the memory
        for layer in self.network.layers:
            layer.buffers = {}  # step buffers reused, as in the main process's fit
        # the layers train on the shared memory itself (FC and Convolution fill their gradients in place), unless
        # one keeps its arrays elsewhere: then they are copied in and out at every step
        self.in_place = flat.flatten_layers(self.network.layers, self.arrays.flat_params, self.arrays.flat_grads,
                                            copy=False) is not None

    def step(self, rows: int, total: int) -> None:
        arrays, network = self.arrays, self.network
        if not self.in_place:
            for param, shared in zip(network.params(), arrays.params):
                np.copyto(param, shared)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run: the main process reports it
            output = network.gradients(arrays.x[:rows], arrays.y[:rows], total)
        if not self.in_place:
            for shared, grad in zip(arrays.grads, network.grads()):
                np.copyto(shared, grad)
        arrays.out[:rows] = output.reshape(rows, -1)

    def close(self) -> None:
        self.arrays.close()


def serve(fd: int) -> None:
    """A helper's loop: fits and steps as the main process sends them, until it closes the socket. Every
    answer names the request it answers (``reply``), so an answer can never be taken for another's."""
    sock = socket.socket(fileno=fd)
    import termnet

    _send(sock, {"reply": 0, "ready": termnet.__file__})
    share = None
    while True:
        message, fds = _receive(sock)
        if message is None:
            return
        try:
            if message["op"] == "step":
                if share is None:
                    raise RuntimeError("a step came before any fit")
                share.step(message["rows"], message["total"])
                _send(sock, {"reply": message["seq"], "ok": True})
            elif message["op"] == "fit":
                if share is not None:
                    share.close()
                share = None
                share = _Share(message, fds[0])
                _send(sock, {"reply": message["seq"], "ok": True})
            elif message["op"] == "rest" and share is not None:  # between fits: nothing held, no answer
                share.close()
                share = None
        except Exception as error:  # noqa: BLE001 - told to the main process, which trains on without us
            _send(sock, {"reply": message.get("seq"), "error": f"{type(error).__name__}: {error}"})


class Helper:
    """The main process's handle on one helper process."""

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # termnet from the folder ours came from, and nothing from the working folder (-c puts it first)
        code = (f"import sys; sys.path[:] = [{_ROOT!r}] + [p for p in sys.path if p]; "
                f"from termnet.engine.processes import serve; serve({theirs.fileno()})")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code], pass_fds=(theirs.fileno(),), env={**os.environ, **ONE_THREAD},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)  # a terminal's Ctrl+C is for this process, which decides what stops
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        self.sequence = 0  # requests sent; the ready message answers "request" 0
        self.waiting = True  # an answer is due (the ready message, first)
        self.started = False  # its ready message read
        self.problem: str | None = None  # why it is no longer used, once it is not
        self.arrays: SharedArrays | None = None
        self.params_shared = False  # the main process's layers hold their weights in our shared memory
        self.foreign = False  # started by the process this one was forked from

    def _request(self, message: dict, fds: tuple[int, ...] = (), answered: bool = True) -> None:
        self.sequence += 1
        try:
            _send(self.sock, {**message, "seq": self.sequence}, fds)
        except OSError as error:
            self.problem = self.problem or f"the helper process is gone ({error})"
        self.waiting = answered and self.problem is None

    def _reply(self, timeout: float) -> dict | None:
        """The answer to the latest request; None, and ``problem`` says why, if the helper stopped, answered an
        error, out of turn or not at all within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.problem is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.problem = f"the helper process did not answer within {timeout:g} s"
                break
            try:
                if not select.select([self.sock], [], [], min(left, 1.0))[0]:
                    if self.process.poll() is not None:
                        self.problem = f"the helper process stopped (exit code {self.process.returncode})"
                    continue
                message, fds = _receive(self.sock)
            except (OSError, ValueError) as error:  # a socket reset under us; an answer that is not JSON
                self.problem = f"the helper process's answer could not be read ({error})"
                break
            for fd in fds:
                os.close(fd)
            if message is None:
                self.problem = f"the helper process stopped (exit code {self.process.poll()})"
            elif not isinstance(message, dict) or message.get("reply") != self.sequence:
                self.problem = f"the helper process answered out of turn: {str(message)[:80]}"
            elif "error" in message:
                self.problem = f"the helper process failed: {message['error']}"
            else:
                self.waiting = False
                return message
        return None

    def start(self, timeout: float = START_SECONDS) -> bool:
        """Wait until the helper has imported the engine (the same termnet as ours); whether it has."""
        if not self.started and self.problem is None:
            message = self._reply(timeout)
            if message is not None:
                import termnet

                if message.get("ready") != termnet.__file__:
                    self.problem = f"the helper process imported termnet from {message.get('ready')!r}"
                self.started = self.problem is None
        return self.started

    def begin(self, network, rows: int) -> bool:
        """Send a fit: the network's spec and fresh shared memory for shares of up to ``rows`` samples."""
        self.params_shared = False
        try:
            fd = os.memfd_create("termnet-share", os.MFD_CLOEXEC)
        except OSError as error:
            self.problem = f"no shared memory for the helper process ({error})"
            return False
        try:
            message = fit_message(network, rows)
            self.arrays = SharedArrays(fd, message["shapes"], rows, message["sample"], message["width"],
                                       message["dtype"])
            self._request(message, (fd,))
        except OSError as error:
            self.problem = f"no shared memory for the helper process ({error})"
        finally:
            os.close(fd)
        return self.problem is None and self._reply(START_SECONDS) is not None

    def send_step(self, params: list[np.ndarray], x: np.ndarray, y: np.ndarray, total: int) -> None:
        arrays, rows = self.arrays, len(x)
        if not self.params_shared:
            for shared, param in zip(arrays.params, params):
                np.copyto(shared, param)
        arrays.x[:rows] = x
        arrays.y[:rows] = y
        self._request({"op": "step", "rows": rows, "total": total})

    def finish_step(self, timeout: float) -> bool:
        """Wait for the step sent; whether its gradients and outputs are in the shared arrays."""
        return self.problem is None and self._reply(timeout) is not None

    def rest(self) -> None:
        """The fit is over: the helper lets go of its network and memory, and so do we."""
        if self.arrays is not None:
            self.arrays.close()
            self.arrays = None
        if self.problem is None and not self.waiting:
            self._request({"op": "rest"}, answered=False)

    def close(self) -> None:
        """Stop the helper: it exits when its socket closes (one that failed is not trusted to, and is killed)."""
        _live.discard(self)
        if self.arrays is not None:
            self.arrays.close()
            self.arrays = None
        self.sock.close()
        if self.foreign:
            return
        try:
            if self.problem is not None:
                self.process.kill()
            self.process.wait(timeout=5)  # reaped, not left a zombie
        except subprocess.TimeoutExpired:
            self.process.kill()


# -- the pool: helpers kept between fits ----------------------------------------------------------------------
_idle: list[Helper] = []
_live: set[Helper] = set()  # every helper started and not closed, idle or in a fit
_lock = threading.Lock()
#: Why a helper could not start, once one could not: then no other is tried in this process (each try could
#: cost a fit up to START_SECONDS).
start_problem: str | None = None


def _warn(text: str) -> None:
    """A RuntimeWarning that points at the caller's code (the line that called fit), not at termnet's."""
    level, frame = 1, sys._getframe(1)
    package = _ROOT + os.sep + "termnet" + os.sep
    while frame is not None and frame.f_code.co_filename.startswith(package):
        level, frame = level + 1, frame.f_back
    warnings.warn(text, RuntimeWarning, stacklevel=level)


def _forget_after_fork() -> None:
    """In a forked child: the parent's helpers are the parent's (their sockets closed here, they run on)."""
    global _lock
    _lock = threading.Lock()
    for helper in _live:
        helper.sock.close()
        helper.foreign = True  # the parent's process: never killed from here
    _idle.clear()
    _live.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def acquire(count: int) -> list[Helper]:
    """Up to ``count`` started helpers, for one fit (none that another fit is using)."""
    global start_problem
    with _lock:
        for helper in [helper for helper in _idle if helper.process.poll() is not None]:  # ended while idle
            _idle.remove(helper)
            helper.close()
        taken = [_idle.pop() for _ in range(min(count, len(_idle)))]
    try:
        while len(taken) < count and start_problem is None:
            try:
                taken.append(Helper())
            except OSError as error:
                start_problem = f"a helper process could not be started ({error})"
                break
            _live.add(taken[-1])
        for helper in taken:
            if not helper.start() and start_problem is None:
                start_problem = helper.problem
                _warn(f"termnet trains on one core: {start_problem}")
    except BaseException:  # interrupted while waiting for a start: none left running
        for helper in taken:
            helper.close()
        raise
    started = [helper for helper in taken if helper.started]
    for helper in taken:
        if not helper.started:
            helper.close()
    return started


def release(helpers: list[Helper]) -> None:
    """Back to the pool: the ones still working rest until the next fit; the others stop (one with an
    answer still due, from a step a fit left unfinished, too: its next answer would be that step's)."""
    with _lock:
        for helper in helpers:
            if helper in _idle:  # released already
                continue
            helper.rest()
            if helper.problem is None and not helper.waiting and helper in _live:
                _idle.append(helper)
            else:
                helper.close()


def helper_pids() -> list[int]:
    """The process ids of the running helpers, idle or in a fit (what a benchmark adds to this process's CPU
    time and memory)."""
    return [helper.process.pid for helper in list(_live)]


@atexit.register
def close_all() -> None:
    """Stop every idle helper (they would stop anyway once this process's sockets close)."""
    with _lock:
        while _idle:
            _idle.pop().close()


class ProcessShards:
    """Each batch's training step split between this process and ``helpers``."""

    def __init__(self, network, helpers: list[Helper], batch_size: int):
        self.network = network
        self.workers = len(helpers) + 1
        # room for a whole batch: should helpers drop out, the shares of those left grow
        self.helpers = [helper for helper in helpers if helper.begin(network, batch_size)]
        self.broken = [helper for helper in helpers if helper not in self.helpers]
        self._tell(self.broken)
        self.flat = None
        if self.helpers:  # this process's weights in the first helper's shared memory: no copy at each step
            first = self.helpers[0]
            self.flat = flat.flatten_layers(network.layers, first.arrays.flat_params)
            first.params_shared = self.flat is not None
        self.params, self.grads = network.params(), network.grads()
        # one core each: this process's BLAS too, as its share runs beside the helpers
        self.blas = products.one_blas_thread() if self.helpers else None

    @staticmethod
    def _tell(failed: list[Helper]) -> None:
        for helper in failed:
            _warn(f"termnet: {helper.problem}; training goes on without it")

    def train_step(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fill the network's gradients for the batch ``x``, ``y``; its output."""
        total = len(x)
        helpers = self.helpers
        edges = np.linspace(0, total, len(helpers) + 2).astype(int)
        if not helpers or edges[1] == 0:
            return self.network.gradients(x, y)
        for helper, start, stop in zip(helpers, edges[1:-1], edges[2:]):
            helper.send_step(self.params, x[start:stop], y[start:stop], total)
        started = time.perf_counter()
        outputs = [self.network.gradients(x[:edges[1]], y[:edges[1]], total)]
        # a helper's share takes about as long as ours: one that takes far longer is taken as stuck
        patience = STEP_SECONDS + STEP_PATIENCE * (time.perf_counter() - started)
        finished = [helper.finish_step(patience) for helper in helpers]
        if not all(finished):  # a helper failed: without it from now on, and this step again, here
            failed = [helper for helper, ok in zip(helpers, finished) if not ok]
            self._tell(failed)
            self.broken += failed
            self.helpers = [helper for helper, ok in zip(helpers, finished) if ok]
            return self.network.gradients(x, y)
        for helper, start, stop in zip(helpers, edges[1:-1], edges[2:]):
            for grad, shared in zip(self.grads, helper.arrays.grads):
                grad += shared
            outputs.append(helper.arrays.out[:stop - start].reshape((stop - start, *outputs[0].shape[1:])))
        return np.concatenate(outputs)

    def close(self) -> None:
        release(self.helpers + self.broken)
        self.helpers = self.broken = []
        if self.blas is not None:
            self.blas.restore_original_limits()
            self.blas = None
