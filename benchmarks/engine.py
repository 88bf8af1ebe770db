"""Training and inference speed of termnet's engine, against PyTorch (when installed) and scikit-learn.

    python benchmarks/engine.py [--samples 12800] [--repeats 5] [--threads 1 2] [--memory]

For each model (the issue's MLP and small CNN), batch 64, plain gradient descent:
termnet and PyTorch epochs alternate, each timed several times; the table gives
median samples per second and the ratio termnet epoch time / PyTorch epoch time
(below 1: termnet is faster). For the MLP, scikit-learn's ``MLPClassifier`` (the same layers,
plain SGD, batch 64, float32, one ``partial_fit`` pass per epoch) is timed too: the NumPy
network a Python user reaches for first. ``--memory`` also runs one CNN epoch over 60,000
images in a fresh process and prints its peak resident memory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from benchmarks.common import load_mnist_or_synthetic, seconds  # noqa: E402
from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling  # noqa: E402

BATCH = 64
LEARNING_RATE = 0.01


def termnet_model(kind: str) -> Network:
    net = Network(learning_rate=LEARNING_RATE, epochs=1, batch_size=BATCH, seed=0)
    if kind == "mlp":
        layers = [Flatten(), FC(784, 128), Activation("relu"), FC(128, 64), Activation("relu"), FC(64, 10)]
    else:
        layers = [Convolution((1, 28, 28), 3, 16), Activation("relu"), Pooling(2), Convolution(None, 3, 32),
                  Activation("relu"), Pooling(2), Flatten(), FC(800, 128), Activation("relu"), FC(128, 10)]
    for layer in layers + [Activation("softmax")]:
        net.add(layer)
    return net.use("cross_entropy")


def torch_model(kind: str):
    import torch.nn as nn

    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                             nn.Linear(64, 10))
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))


class TorchRunner:
    """One PyTorch epoch: the same shuffling, batch size, loss and plain SGD."""

    def __init__(self, kind, x, y):
        import torch

        self.torch = torch
        torch.manual_seed(0)
        self.model = torch_model(kind)
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


def peak_memory_of_a_cnn_epoch(samples: int = 60000) -> float:
    """Peak resident MiB of a fresh process that trains the CNN one epoch over ``samples`` images."""
    code = f"""
import resource, numpy as np, sys
sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parent.parent)!r})
from benchmarks.engine import termnet_model
rng = np.random.default_rng(0)
x = rng.random(({samples}, 1, 28, 28), dtype=np.float32); y = rng.integers(0, 10, {samples})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
termnet_model("cnn").fit(x, y)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, before / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=12800, help="training samples per timed epoch")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--data-dir", help="MNIST folder (default: $TERMNET_MNIST_DIR or ../shared/data/mnist)")
    parser.add_argument("--memory", action="store_true", help="also measure a 60,000-image CNN epoch's peak memory")
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
    for kind in args.models:
        for threads in args.threads:
            with threadpool_limits(limits=threads):
                if torch:
                    torch.set_num_threads(threads)
                net = termnet_model(kind)
                runner = TorchRunner(kind, x, y) if torch else None
                sklearn = SklearnRunner(x, y) if kind == "mlp" else None
                net.fit(x[:BATCH * 4], y[:BATCH * 4])  # warm-up: build, allocate
                times = {"termnet": [], "torch": [], "termnet_infer": [], "torch_infer": [], "sklearn": []}
                for _ in range(args.repeats):  # alternate, so both see the same machine load
                    times["termnet"].append(seconds(net.fit, x, y))
                    times["termnet_infer"].append(seconds(net.predict, x_test, BATCH))
                    if runner:
                        times["torch"].append(seconds(runner.epoch))
                        times["torch_infer"].append(seconds(runner.infer, x_test))
                    if sklearn:
                        times["sklearn"].append(seconds(sklearn.epoch))
            med = {k: float(np.median(v)) if v else float("nan") for k, v in times.items()}
            print(f"{kind:<6}{threads:>8}{len(x) / med['termnet']:>17,.0f}{len(x) / med['torch']:>15,.0f}"
                  f"{med['termnet'] / med['torch']:>13.2f}{len(x_test) / med['termnet_infer']:>17,.0f}"
                  f"{len(x_test) / med['torch_infer']:>15,.0f}{med['termnet_infer'] / med['torch_infer']:>13.2f}"
                  f"{len(x) / med['sklearn']:>17,.0f}{med['termnet'] / med['sklearn']:>12.2f}")
    if args.memory:
        peak, baseline = peak_memory_of_a_cnn_epoch()
        print(f"\nCNN epoch over 60,000 images: peak resident memory {peak:,.0f} MiB "
              f"({baseline:,.0f} MiB before training, data included; limit 1,024 MiB)")


if __name__ == "__main__":
    main()
