"""Data-parallel training steps: one batch split across cores, in helper processes or threads.

NumPy's BLAS spreads a matrix product over cores, but every element-wise pass
(activations, pooling, im2col copies) runs on one. Splitting the batch instead
gives each core whole layers to run on its shard, with BLAS kept to one thread
each. Helper processes (processes.py) do this best: threads share one GIL, which
every NumPy call takes back. Where layers cannot travel to a helper (Dropout,
a layer type of one's own) or the system has none (not Linux), threads split the
batch: NumPy releases the GIL inside its kernels, so their shards overlap somewhat.
Each thread has a replica of the layers (the same parameter arrays, its own caches
and gradient buffers); the loss gradient is taken on the whole batch, so the summed
shard gradients equal the single-thread gradient.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import fusion, products

MIN_SHARD = 32  # below this, Python overhead per layer outweighs the parallel work (measured: 16 gains nothing)


def available_threads() -> int:
    """The BLAS thread count NumPy would use, else the usable cores."""
    counts = [info["num_threads"] for info in products.blas_libraries()]
    if counts:
        return max(counts)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def split_steps(network, workers: int, batch_size: int):
    """What shares each batch of a fit between ``workers`` cores: helper processes where the network's
    layers can travel to them (processes.py), else threads where they help (``network.threads_help``),
    else None (one thread, BLAS's threads in its matrix products)."""
    from . import processes  # sockets and subprocesses: imported by the first fit that splits, not at startup

    if processes.usable(network.layers, network.loss):
        helpers = processes.acquire(workers - 1)
        try:
            shards = processes.ProcessShards(network, helpers, batch_size)
        except BaseException:  # interrupted while a helper builds the network: none left waiting for us
            processes.release(helpers)
            raise
        if shards.helpers:
            return shards
        shards.close()
    return ShardedSteps(network, workers) if network.threads_help() else None


class ShardedSteps:
    """Forward and backward of each batch over ``workers`` shards, in a pool of threads."""

    def __init__(self, network, workers: int):
        self.network = network
        self.workers = workers
        self.stacks = [network.layers] + [[layer.replica() for layer in network.layers] for _ in range(workers - 1)]
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="termnet-shard")
        self.blas = products.one_blas_thread()

    def close(self) -> None:
        self.pool.shutdown()
        if self.blas is not None:
            self.blas.restore_original_limits()

    def _bounds(self, n: int) -> list[tuple[int, int]]:
        edges = np.linspace(0, n, self.workers + 1).astype(int)
        return list(zip(edges[:-1], edges[1:]))

    def train_step(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fill the network's gradients for the batch ``x``, ``y``; its output."""
        output = self.forward(x)
        error, end = self.network.output_error(output, y)
        self.backward(error, self.network.first_trainable, end)
        return output

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.bounds = self._bounds(len(x))
        for stack, (start, _) in zip(self.stacks[1:], self.bounds[1:]):  # here, before any thread starts
            for replica, original in zip(stack, self.network.layers):
                replica.follow(original, start)

        def run(stack, start, stop):
            return fusion.forward(stack, x[start:stop], True)

        futures = [self.pool.submit(run, stack, a, b) for stack, (a, b) in zip(self.stacks, self.bounds)]
        return np.concatenate([f.result() for f in futures])

    def backward(self, error: np.ndarray, first: int, end: int) -> None:
        def run(stack, start, stop):
            fusion.backward(stack, error[start:stop], first, end)

        for future in [self.pool.submit(run, stack, a, b) for stack, (a, b) in zip(self.stacks, self.bounds)]:
            future.result()
        # the whole-batch gradient is the sum of the shards' (each error already carries 1/N)
        for index, layer in enumerate(self.network.layers):
            grads = layer.grads()
            for stack in self.stacks[1:]:
                for grad, shard_grad in zip(grads, stack[index].grads()):
                    grad += shard_grad
