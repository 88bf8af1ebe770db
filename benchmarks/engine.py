"""Training and inference speed of termnet's engine, against PyTorch (when installed) and scikit-learn.

    python benchmarks/engine.py [--samples 12800] [--repeats 5] [--threads 1 2] [--models mlp cnn]
                                [--memory] [--scale]

For each model (the issue's MLP and small CNN), batch 64, plain gradient descent:
termnet and PyTorch epochs alternate, each timed several times; the table gives
median samples per second and the ratio termnet epoch time / PyTorch epoch time
(below 1: termnet is faster). For the MLP, scikit-learn's ``MLPClassifier`` (the same layers,
plain SGD, batch 64, float32, one ``partial_fit`` pass per epoch) is timed too: the NumPy
network a Python user reaches for first.

With one thread, each model's line below the table says which share of this machine's single-thread
float32 matrix-product rate its training reaches: the multiply-adds of forward and backward (the
matrix products, 2 FLOPs each) per second of epoch, over the rate NumPy's matmul reaches on those
same products alone. ``--memory`` runs one CNN epoch over 60,000 images in a fresh process and prints
its peak resident memory, data included. ``--scale`` does that too, and times one epoch of each
model over 60,000 images (the MNIST at hand tiled) against one over the images at hand (time per
image), and the CNN's epoch at twice the filters (32/64 against 16/32) against PyTorch's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import load_mnist_or_synthetic, seconds  # noqa: E402
from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling, conv_pool  # noqa: E402

BATCH = 64
LEARNING_RATE = 0.01
WIDTHS = (16, 32)  # the CNN's filters in its two convolutions
SCALE_SAMPLES = 60000


def termnet_model(kind: str, widths: tuple[int, int] = WIDTHS) -> Network:
    net = Network(learning_rate=LEARNING_RATE, epochs=1, batch_size=BATCH, seed=0)
    if kind == "mlp":
        layers = [Flatten(), FC(784, 128), Activation("relu"), FC(128, 64), Activation("relu"), FC(64, 10)]
    else:
        first, second = widths
        layers = [Convolution((1, 28, 28), 3, first), Activation("relu"), Pooling(2), Convolution(None, 3, second),
                  Activation("relu"), Pooling(2), Flatten(), FC(second * 25, 128), Activation("relu"), FC(128, 10)]
    for layer in layers + [Activation("softmax")]:
        net.add(layer)
    return net.use("cross_entropy")


def torch_model(kind: str, widths: tuple[int, int] = WIDTHS):
    import torch.nn as nn

    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                             nn.Linear(64, 10))
    first, second = widths
    return nn.Sequential(nn.Conv2d(1, first, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(first, second, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(second * 25, 128), nn.ReLU(), nn.Linear(128, 10))


def matrix_products(net: Network, batch: int = BATCH, input_shape=(1, 28, 28)) -> list[tuple]:
    """Every matrix product of one training step of ``net`` on ``batch`` samples: (m, k, n) and whether
    the left and the right operand are transposed views, as termnet computes them: forward, the weight
    gradient and (after the first layer) the input gradient of each FC and Convolution (a convolution fused
    with its 2x2 pooling computes only the positions the pooling keeps: conv_pool.py)."""
    net.build(net.input_shape or input_shape)
    products = []
    for index, (row, layer) in enumerate(zip(net.shapes(), net.layers)):
        if isinstance(layer, FC):  # x W; x^T dY; dY W^T
            i, o = layer.input_size, layer.output_size
            products += [(batch, i, o, False, False), (i, batch, o, True, False)]
            products += [(batch, o, i, False, True)] if layer.needs_input_grad else []
        elif isinstance(layer, Convolution):  # [K b] cols; dY cols^T; K^T dY
            depth, out_h, out_w = row.output_shape
            if conv_pool.fuses(*net.layers[index:index + 3]):  # only the positions the pooling keeps
                out_h, out_w = out_h // 2 * 2, out_w // 2 * 2
            taps, columns = layer.kernels[0].size, out_h * out_w * batch
            products += [(depth, taps + 1, columns, False, False), (depth, columns, taps + 1, False, True)]
            products += [(taps, depth, columns, True, False)] if layer.needs_input_grad else []
    return products


def training_flops(net: Network, samples: int) -> float:
    """The FLOPs of an epoch's matrix products (2 per multiply-add), the bulk of training's arithmetic."""
    per_sample = sum(2 * m * k * n for m, k, n, *_ in matrix_products(net, BATCH)) / BATCH
    return per_sample * samples


class MatmulPass:
    """The matrix products of ``passes`` training steps of ``net``, alone, on fresh operands of the same
    shapes and layouts: timed in turn with the epochs, they give the machine's matmul rate on them."""

    def __init__(self, net: Network, passes: int = 20):
        rng = np.random.default_rng(0)
        self.products, self.passes = matrix_products(net, BATCH), passes

        def operand(rows, cols, transposed):
            if transposed:
                return rng.random((cols, rows), dtype=np.float32).T
            return rng.random((rows, cols), dtype=np.float32)

        self.operands = [(operand(m, k, a_t), operand(k, n, b_t), np.empty((m, n), dtype=np.float32))
                         for m, k, n, a_t, b_t in self.products]

    def __call__(self) -> None:
        for _ in range(self.passes):
            for a, b, out in self.operands:
                np.matmul(a, b, out=out)

    def rate(self, seconds: float) -> float:
        """FLOPs per second, for ``seconds`` of one call."""
        return sum(2 * m * k * n for m, k, n, *_ in self.products) * self.passes / seconds


class TorchRunner:
    """One PyTorch epoch: the same shuffling, batch size, loss and plain SGD."""

    def __init__(self, kind, x, y, widths=WIDTHS):
        import torch

        self.torch = torch
        torch.manual_seed(0)
        self.model = torch_model(kind, widths)
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
        self.loss = torch.nn.CrossEntropyLoss()

    def epoch(self):
        torch = self.torch
        order = torch.randperm(len(self.x))
        self.model.train()
        for start in range(0, len(order), BATCH):
            index = order[start:start + BATCH]
            self.optimizer.zero_grad(set_to_none=True)
            self.loss(self.model(self.x[index]), self.y[index]).backward()
            self.optimizer.step()

    def infer(self, x):
        with self.torch.inference_mode():
            self.model.eval()
            xt = self.torch.from_numpy(x)
            for start in range(0, len(xt), BATCH):
                self.model(xt[start:start + BATCH])


class SklearnRunner:
    """One scikit-learn MLPClassifier epoch: 784-128-64-10 relu, plain SGD without momentum or L2."""

    def __init__(self, x, y):
        from sklearn.neural_network import MLPClassifier

        self.x, self.y = x.reshape(len(x), -1), y
        self.model = MLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", solver="sgd", alpha=0.0,
                                   batch_size=BATCH, learning_rate_init=LEARNING_RATE, momentum=0.0,
                                   nesterovs_momentum=False, shuffle=True, random_state=0)
        self.model.partial_fit(self.x[:BATCH * 4], self.y[:BATCH * 4], classes=np.arange(10))  # warm-up

    def epoch(self):
        self.model.partial_fit(self.x, self.y)  # one pass over the data in batches of 64

    def infer(self, x):
        self.model.predict_proba(x.reshape(len(x), -1))


def tiled(x: np.ndarray, y: np.ndarray, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` repeated to ``samples`` rows (the MNIST at hand holds fewer than the published 60,000)."""
    return np.resize(x, (samples,) + x.shape[1:]), np.resize(y, (samples,) + y.shape[1:])


def peak_memory_of_a_cnn_epoch(data_dir: str | None = None, samples: int = SCALE_SAMPLES) -> tuple[float, float]:
    """Peak resident MiB of a fresh process that loads ``samples`` training images (the MNIST at hand,
    tiled) and trains the CNN one epoch over them, plus the peak of any helper process that trained a
    share of each batch (processes.py; not at the same moment, so an upper bound), and its resident MiB
    just before training (the data's)."""
    code = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from benchmarks.common import load_mnist_or_synthetic, peak_resident_mib
from benchmarks.engine import termnet_model, tiled
x, y = load_mnist_or_synthetic({data_dir!r})[:2]
x, y = tiled(x, y, {samples})
before = peak_resident_mib("VmRSS")
termnet_model("cnn").fit(x, y)
from termnet.engine import processes
helpers = sum(peak_resident_mib(pid=pid) for pid in processes.helper_pids())  # a share of each batch: its peak too
print(peak_resident_mib() + helpers, before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def alternate(runs: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each named call, the calls taking turns so that all see the same machine load."""
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (fn, *args) in runs.items():
            times[name].append(seconds(fn, *args))
    return {name: float(np.median(t)) for name, t in times.items()}


def scale_report(x_all, y_all, data_dir, repeats: int, samples: int, torch) -> None:
    """Epochs over 60,000 images against the images at hand; peak memory; the CNN at twice the width."""
    x_big, y_big = tiled(x_all, y_all, SCALE_SAMPLES)
    print(f"\nScale, one thread: an epoch over {len(x_all):,} images against one over {SCALE_SAMPLES:,} "
          f"(the same, tiled), median of {repeats}")
    with threadpool_limits(limits=1):
        for kind in ("mlp", "cnn"):
            net = termnet_model(kind)
            net.fit(x_all[:BATCH * 4], y_all[:BATCH * 4])  # warm-up
            med = alternate({"small": (net.fit, x_all, y_all), "big": (net.fit, x_big, y_big)}, repeats)
            small, big = med["small"] / len(x_all) * 1e6, med["big"] / SCALE_SAMPLES * 1e6
            print(f"  {kind}: {small:,.1f} us per image at {len(x_all):,}, {big:,.1f} at {SCALE_SAMPLES:,} "
                  f"({big / small:.2f}x); epoch {med['big']:,.1f} s")
    del x_big, y_big
    peak, before = peak_memory_of_a_cnn_epoch(data_dir)
    print(f"  CNN epoch over {SCALE_SAMPLES:,} images in a fresh process: peak resident memory {peak:,.0f} MiB "
          f"({before:,.0f} MiB resident before training, the data included; target < 400 MiB)")
    x, y = np.ascontiguousarray(x_all[:samples]), y_all[:samples]
    print(f"  CNN width, {len(x):,} images per epoch, one thread, median of {repeats}:")
    epochs = {}
    with threadpool_limits(limits=1):
        if torch:
            torch.set_num_threads(1)
        for widths in (WIDTHS, (2 * WIDTHS[0], 2 * WIDTHS[1])):
            net = termnet_model("cnn", widths)
            net.fit(x[:BATCH * 4], y[:BATCH * 4])
            runs = {"termnet": (net.fit, x, y)}
            if torch:
                runs["torch"] = (TorchRunner("cnn", x, y, widths).epoch,)
            epochs[widths] = alternate(runs, repeats)
    (narrow, narrow_t), (wide, wide_t) = epochs.items()
    for name in narrow_t:
        print(f"    {name:<8} {narrow[0]}/{narrow[1]} filters {narrow_t[name]:6.2f} s, {wide[0]}/{wide[1]} "
              f"{wide_t[name]:6.2f} s: {wide_t[name] / narrow_t[name]:.2f}x")
    if torch:
        print(f"    termnet / torch epoch: {narrow_t['termnet'] / narrow_t['torch']:.2f} at "
              f"{narrow[0]}/{narrow[1]}, {wide_t['termnet'] / wide_t['torch']:.2f} at {wide[0]}/{wide[1]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=12800, help="training samples per timed epoch")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--data-dir", help="MNIST folder (default: $TERMNET_MNIST_DIR or ../shared/data/mnist)")
    parser.add_argument("--memory", action="store_true", help="also measure a 60,000-image CNN epoch's peak memory")
    parser.add_argument("--scale", action="store_true",
                        help="also time 60,000-image epochs, the CNN's peak memory and the CNN at twice the width")
    args = parser.parse_args(argv)

    x_all, y_all, x_test, _, description = load_mnist_or_synthetic(args.data_dir)
    x, y = np.ascontiguousarray(x_all[:args.samples]), y_all[:args.samples]
    x_test = np.ascontiguousarray(x_test[:args.samples])
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: termnet figures only (pip install torch==2.13.0 to compare).")
    print(f"Data: {description}; {len(x):,} training samples per epoch, {len(x_test):,} for inference; "
          f"batch {BATCH}, SGD lr {LEARNING_RATE}; median of {args.repeats} alternating runs\n")
    header = f"{'model':<6}{'threads':>8}{'termnet train/s':>17}{'torch train/s':>15}{'epoch ratio':>13}" \
             f"{'termnet infer/s':>17}{'torch infer/s':>15}{'infer ratio':>13}" \
             f"{'sklearn train/s':>17}{'vs sklearn':>12}"
    print(header)
    print("-" * len(header))
    shares = []
    for kind in args.models:
        for threads in args.threads:
            with threadpool_limits(limits=threads):
                if torch:
                    torch.set_num_threads(threads)
                net = termnet_model(kind)
                runner = TorchRunner(kind, x, y) if torch else None
                sklearn = SklearnRunner(x, y) if kind == "mlp" else None
                net.fit(x[:BATCH * 4], y[:BATCH * 4])  # warm-up: build, allocate
                matmuls = MatmulPass(net) if threads == 1 else None
                times = {"termnet": [], "torch": [], "termnet_infer": [], "torch_infer": [], "sklearn": [],
                         "matmul": []}
                for _ in range(args.repeats):  # alternate, so both see the same machine load
                    times["termnet"].append(seconds(net.fit, x, y))
                    times["termnet_infer"].append(seconds(net.predict, x_test, BATCH))
                    if runner:
                        times["torch"].append(seconds(runner.epoch))
                        times["torch_infer"].append(seconds(runner.infer, x_test))
                    if sklearn:
                        times["sklearn"].append(seconds(sklearn.epoch))
                    if matmuls:
                        times["matmul"].append(seconds(matmuls))
            med = {k: float(np.median(v)) if v else float("nan") for k, v in times.items()}
            print(f"{kind:<6}{threads:>8}{len(x) / med['termnet']:>17,.0f}{len(x) / med['torch']:>15,.0f}"
                  f"{med['termnet'] / med['torch']:>13.2f}{len(x_test) / med['termnet_infer']:>17,.0f}"
                  f"{len(x_test) / med['torch_infer']:>15,.0f}{med['termnet_infer'] / med['torch_infer']:>13.2f}"
                  f"{len(x) / med['sklearn']:>17,.0f}{med['termnet'] / med['sklearn']:>12.2f}")
            if matmuls:
                shares.append((kind, training_flops(net, len(x)), matmuls.rate(med["matmul"]), med))
    if shares:
        print("\nMatrix products: training FLOPs per second over NumPy's single-thread float32 matmul rate on "
              "the same products")
    for kind, flops, rate, med in shares:
        line = f"  {kind}: {flops / len(x) / 1e6:,.2f} MFLOP per image; matmul alone {rate / 1e9:,.1f} GFLOP/s; " \
               f"termnet {flops / med['termnet'] / 1e9:,.1f} GFLOP/s = {flops / med['termnet'] / rate:.2f}"
        if torch:
            line += f", torch {flops / med['torch'] / 1e9:,.1f} GFLOP/s = {flops / med['torch'] / rate:.2f}"
        print(line)
    if args.scale:
        scale_report(x_all, y_all, args.data_dir, args.repeats, args.samples, torch)
    elif args.memory:
        peak, baseline = peak_memory_of_a_cnn_epoch(args.data_dir)
        print(f"\nCNN epoch over {SCALE_SAMPLES:,} images: peak resident memory {peak:,.0f} MiB "
              f"({baseline:,.0f} MiB resident before training, data included; target < 400 MiB)")


if __name__ == "__main__":
    main()
