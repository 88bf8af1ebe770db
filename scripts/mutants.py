"""A mutation check of termnet's tests: plant realistic bugs one at a time and see a test fail.

Each mutant below replaces one exact snippet of the source with a plausible slip (a sign, an
off-by-one, a forgotten average, a check dropped). The runner copies the working tree once into a
scratch folder, then for each mutant: applies it, runs the mutant's tests there with pytest, records
the first test that failed, and restores the file. A mutant no test catches is a hole in the tests.

Screenshot tests never count: a changed pixel says nothing about which behaviour broke, so
tests/app/test_snapshots.py and anything named *snapshot* are left out of every run.

    python scripts/mutants.py                 # every mutant (about 10 minutes on 2 cores)
    python scripts/mutants.py --list          # the list, and whether each snippet still applies
    python scripts/mutants.py --only adam-bias-correction mse-missing-2

tests/test_mutants_apply.py (part of the normal suite) checks that every snippet still occurs
exactly once, so editing the code tells you to re-target the mutant here.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# left out of every run: screenshots, and this tool's own check (it would "catch" every mutant)
EXCLUDED = ["--ignore=tests/app/test_snapshots.py", "--ignore-glob=*snapshot*", "--ignore=tests/test_mutants_apply.py"]
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", "-k", "not snapshot",
          *EXCLUDED]


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str  # relative to the repository root
    original: str  # must occur exactly once in the file
    replacement: str
    description: str
    tests: tuple[str, ...]  # pytest paths or node ids, as narrow as still catches it


MUTANTS = [
    # -- termnet/engine/optimizers.py ------------------------------------------------------------------
    Mutant("adam-bias-correction", "termnet/engine/optimizers.py",
           " * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)",
           "",
           "Adam without bias correction (early steps too small)", ("tests/engine",)),
    Mutant("adam-first-moment", "termnet/engine/optimizers.py",
           "m += (1 - self.beta1) * grad",
           "m += self.beta1 * grad",
           "Adam's first moment mixes in grad with beta1, not 1 - beta1", ("tests/engine",)),
    Mutant("momentum-not-accumulated", "termnet/engine/optimizers.py",
           "velocity *= self.momentum\n        velocity -= ",
           "velocity = self.momentum * velocity\n        velocity = velocity - ",
           "momentum velocity rebound, not updated in place: never remembered", ("tests/engine",)),
    Mutant("momentum-sign", "termnet/engine/optimizers.py",
           "velocity -= ",
           "velocity += ",
           "momentum steps up the gradient instead of down", ("tests/engine",)),
    Mutant("sgd-lr-ignored", "termnet/engine/optimizers.py",
           "param -= np.multiply(grad, self.step_learning_rate, out=self.scratch[index])",
           "param -= np.multiply(grad, 1.0, out=self.scratch[index])",
           "plain SGD ignores the learning rate (steps of 1 x grad)", ("tests/engine",)),
    Mutant("sgd-schedule-ignored", "termnet/engine/optimizers.py",
           "param -= np.multiply(grad, self.step_learning_rate, out=self.scratch[index])",
           "param -= np.multiply(grad, self.learning_rate, out=self.scratch[index])",
           "plain SGD steps at the base rate: the schedule is ignored", ("tests/engine",)),
    # -- termnet/engine/schedules.py -------------------------------------------------------------------
    Mutant("schedule-off-by-one", "termnet/engine/schedules.py",
           "fraction = step / max(total_steps - 1, 1)",
           "fraction = step / max(total_steps, 1)",
           "schedules off by one step: cosine never reaches 0 at the end", ("tests/engine",)),
    Mutant("one-cycle-warmup", "termnet/engine/schedules.py",
           "warmup = 0.3",
           "warmup = 0.25",
           "one-cycle warms up over 25% of the steps, not 30%", ("tests/engine",)),
    Mutant("one-cycle-end", "termnet/engine/schedules.py",
           "return _cosine(1.0, 1.0 / 25 / 1e4, (fraction - warmup) / (1 - warmup))",
           "return _cosine(1.0, 1.0 / 25, (fraction - warmup) / (1 - warmup))",
           "one-cycle ends at the starting rate 1/25, not 1/25/1e4", ("tests/engine",)),
    # -- termnet/engine/network.py ---------------------------------------------------------------------
    Mutant("finite-check-dot-skipped", "termnet/engine/network.py",
           "quick = np.dot(flat, flat)",
           "quick = np.float32(0)",
           "the quick finiteness check of a contiguous array passes whatever it holds", ("tests/engine",)),
    Mutant("finite-check-sum-skipped", "termnet/engine/network.py",
           "quick = np.add.reduce(array, axis=None)",
           "quick = np.float32(0)",
           "the quick finiteness check of a strided array passes whatever it holds", ("tests/engine",)),
    Mutant("shuffle-same-every-epoch", "termnet/engine/network.py",
           "order = self._shuffle_rng.permutation(count)",
           "order = np.random.default_rng(self.seed).permutation(count)",
           "data shuffled in the same order every epoch (rng re-made)", ("tests/engine",)),
    Mutant("last-batch-dropped", "termnet/engine/network.py",
           "steps = math.ceil(count / batch_size)",
           "steps = count // batch_size",
           "the last partial batch of each epoch is dropped", ("tests/engine",)),
    Mutant("epoch-loss-not-weighted", "termnet/engine/network.py",
           "loss_sum += loss * n",
           "loss_sum += loss",
           "epoch loss sums batch means, then divides by samples", ("tests/engine",)),
    Mutant("schedule-step-per-epoch", "termnet/engine/network.py",
           "min(self.schedule_step, plan - 1)",
           "min(batch, plan - 1)",
           "the schedule gets the batch index: it restarts every epoch", ("tests/engine",)),
    Mutant("schedule-past-the-end", "termnet/engine/network.py",
           "min(self.schedule_step, plan - 1)",
           "min(self.schedule_step, plan)",
           "a resumed schedule runs one step past its plan's end", ("tests/engine",)),
    Mutant("val-prefix-dropped", "termnet/engine/network.py",
           'logs.update({f"val_{k}": v for k, v in self.evaluate(*validation_data).items()})',
           'logs.update({k: v for k, v in self.evaluate(*validation_data).items()})',
           "validation figures overwrite the training ones (no val_)", ("tests/engine",)),
    Mutant("val-on-training-data", "termnet/engine/network.py",
           'logs.update({f"val_{k}": v for k, v in self.evaluate(*validation_data).items()})',
           'logs.update({f"val_{k}": v for k, v in self.evaluate(x, y).items()})',
           "val_loss/val_accuracy computed on the training data", ("tests/engine",)),
    # -- termnet/engine/convolution.py -----------------------------------------------------------------
    Mutant("conv-same-odd-padding", "termnet/engine/convolution.py",
           "return x, (top, left, height, width)",
           "return x, (bottom, right, height, width)",
           "input gradient cropped one pixel off with odd 'same' padding", ("tests/engine",)),
    # -- termnet/engine/conv_pool.py -------------------------------------------------------------------
    Mutant("conv-pool-tie-top", "termnet/engine/conv_pool.py",
           "_ones(groups[:, 0] >= groups[:, 1])",
           "_ones(groups[:, 0] > groups[:, 1])",
           "a fused block's tied maximum sends its error to the bottom row, not the top", ("tests/engine",)),
    Mutant("conv-pool-live-weights", "termnet/engine/conv_pool.py",
           "partial(conv.correlate, x, kernels, bias)",
           "partial(conv.correlate, x, conv.kernels, conv.bias)",
           "a fused relu's full output computed with the weights after the step", ("tests/engine",)),
    Mutant("conv-stride-backward", "termnet/engine/convolution.py",
           "padded[:, i:i + s * (out_h - 1) + 1:s, j:j + s * (out_w - 1) + 1:s] += col_errors[:, i, j]",
           "padded[:, i:i + out_h, j:j + out_w] += col_errors[:, i, j]",
           "convolution backward ignores the stride (col2im)", ("tests/engine",)),
    Mutant("thin-product-remainder-dropped", "termnet/engine/products.py",
           "for start in range(piece, length, piece):",
           "for start in range(piece, length - piece, piece):",
           "a long inner product in pieces leaves out its last piece", ("tests/engine",)),
    Mutant("share-error-not-scaled", "termnet/engine/network.py",
           "error *= len(x) / total",
           "error *= 1.0",
           "a share of a split batch takes its error as a whole batch's (gradients twice as large)",
           ("tests/engine",)),
    Mutant("helper-gradients-dropped", "termnet/engine/processes.py",
           "                grad += shared",
           "                grad += 0 * shared",
           "the gradients of a helper's share never reach the batch's", ("tests/engine",)),
    Mutant("flat-update-twice-the-rate", "termnet/engine/optimizers.py",
           "params -= np.multiply(grads, self.step_learning_rate, out=self.flat_scratch)",
           "params -= np.multiply(grads, 2 * self.step_learning_rate, out=self.flat_scratch)",
           "plain gradient descent over the flat arrays at twice the learning rate", ("tests/engine",)),
    Mutant("conv-bias-grad-averaged", "termnet/engine/convolution.py",
           "self.grad_bias[...] = grad[:, -1]",
           "self.grad_bias[...] = grad[:, -1] / errors.shape[1]",
           "conv bias gradient averaged over positions, not summed", ("tests/engine",)),
    # -- termnet/engine/pooling.py ---------------------------------------------------------------------
    Mutant("avg-pool-not-divided", "termnet/engine/pooling.py",
           "share = output_error * (1.0 / self.pool_size**2)",
           "share = output_error",
           "average pooling backward forgets the 1/p^2", ("tests/engine",)),
    Mutant("max-pool-2x2-ties-last", "termnet/engine/pooling.py",
           "upper = np.multiply(row_error, top >= bottom, out=",
           "upper = np.multiply(row_error, top > bottom, out=",
           "2x2 max pool sends a tied maximum's error to the last", ("tests/engine",)),
    Mutant("max-pool-ties-doubled", "termnet/engine/pooling.py",
           "            hit &= ~taken\n",
           "",
           "general max pool sends a tie's error to every maximum", ("tests/engine",)),
    # -- termnet/engine/activation.py ------------------------------------------------------------------
    Mutant("sigmoid-derivative", "termnet/engine/activation.py",
           "slope = 1 - y\n",
           "slope = 1 - y * y\n",
           "sigmoid's derivative written as tanh's (1 - y^2)", ("tests/engine",)),
    Mutant("tanh-derivative-sign", "termnet/engine/activation.py",
           "np.subtract(1, slope, out=slope)",
           "np.subtract(slope, 1, out=slope)",
           "tanh's derivative y^2 - 1 (sign flipped)", ("tests/engine",)),
    Mutant("relu-derivative", "termnet/engine/activation.py",
           "return output_error * (y > 0)",
           "return output_error * (y >= 0)",
           "relu's derivative 1 at zero outputs: passes every error", ("tests/engine",)),
    # -- termnet/engine/losses.py ----------------------------------------------------------------------
    Mutant("ce-softmax-grad-sign", "termnet/engine/losses.py",
           "grad = probabilities - y_true",
           "grad = y_true - probabilities",
           "fused softmax + cross-entropy gradient has the wrong sign", ("tests/engine",)),
    Mutant("ce-not-averaged", "termnet/engine/losses.py",
           "grad *= 1.0 / len(probabilities)",
           "grad *= 1.0",
           "cross-entropy gradient summed over the batch, not averaged", ("tests/engine",)),
    Mutant("mse-missing-2", "termnet/engine/losses.py",
           "return 2.0 * (y_pred - y_true) / y_pred.size",
           "return (y_pred - y_true) / y_pred.size",
           "MSE gradient misses the factor 2", ("tests/engine",)),
    Mutant("mse-not-averaged", "termnet/engine/losses.py",
           "return 2.0 * (y_pred - y_true) / y_pred.size",
           "return 2.0 * (y_pred - y_true) / len(y_pred)",
           "MSE gradient averaged over samples only, not outputs", ("tests/engine",)),
    # -- termnet/engine/dense.py -----------------------------------------------------------------------
    Mutant("dense-weight-grad-divided", "termnet/engine/dense.py",
           "np.matmul(self.input.T, output_error, out=self.grad_weights)",
           "np.matmul(self.input.T, output_error / len(output_error), out=self.grad_weights)",
           "FC weight gradient divided by the batch a second time", ("tests/engine",)),
    Mutant("dense-bias-grad-mean", "termnet/engine/dense.py",
           "np.add.reduce(output_error, axis=0, out=self.grad_bias)",
           "np.mean(output_error, axis=0, out=self.grad_bias)",
           "FC bias gradient a mean over the batch, not a sum", ("tests/engine",)),
    # -- termnet/engine/serialization.py ---------------------------------------------------------------
    Mutant("pickle-refusal-lost", "termnet/engine/serialization.py",
           'if descr in ("|O", "<O", ">O", "O") or (isinstance(descr, list) and "O" in repr(descr)):',
           "if False:",
           "an object (pickle) array in a model file is no longer refused as one", ("tests/engine",)),
    Mutant("npy-any-dtype", "termnet/engine/serialization.py",
           "if not isinstance(descr, str) or descr not in _FLOAT_DESCRS:",
           "if not isinstance(descr, str):",
           "weights of any dtype (integers, strings) are accepted from a model file", ("tests/engine",)),
    Mutant("size-guard-compressed", "termnet/engine/serialization.py",
           "if info.file_size > limit:",
           "if info.compress_size > limit:",
           "zip-bomb guard checks the compressed size", ("tests/engine",)),
    Mutant("optimizer-state-not-restored", "termnet/engine/serialization.py",
           'network.optimizer.load_state(state, document["optimizer"].get("iterations", 0))',
           'network.optimizer.load_state({}, document["optimizer"].get("iterations", 0))',
           "loading a model forgets the optimizer's moments", ("tests/engine",)),
    Mutant("history-not-restored", "termnet/engine/serialization.py",
           'network.history = {k: list(v) for k, v in document.get("history", {}).items()}',
           "network.history = {}",
           "loading a model forgets the training history", ("tests/engine",)),
    # -- termnet/data ----------------------------------------------------------------------------------
    Mutant("download-checksum-ignored", "termnet/data/download.py",
           "if not _hash_matches(part, source.hashes[role]):",
           "if False:",
           "downloads are not checked against their SHA-256", ("tests/data",)),
    Mutant("cache-trusted-unchecked", "termnet/data/download.py",
           'return pooch.file_hash(str(path), alg=algorithm or "sha256") == digest',
           "return True",
           "any file in the cache is trusted without its checksum", ("tests/data",)),
    Mutant("download-temp-kept", "termnet/data/download.py",
           "    finally:\n        part.unlink(missing_ok=True)\n",
           "    except OSError:\n        raise\n",
           "a failed download leaves its temporary in the cache", ("tests/data",)),
    Mutant("idx-extra-bytes", "termnet/data/idx.py",
           "    if _read_exactly(handle, 1, path):\n",
           "    if False:\n",
           "IDX data longer than the header's count is accepted", ("tests/data",)),
    Mutant("labels-count-unchecked", "termnet/data/datasets.py",
           "if len(images) != len(labels):",
           "if len(images) < len(labels):",
           "fewer labels than images is not reported", ("tests/data",)),
    # -- termnet/app -----------------------------------------------------------------------------------
    Mutant("stop-key-ignored", "termnet/app/training.py",
           "if self.control.stop_requested or self.is_cancelled():",
           "if self.is_cancelled():",
           "x (stop) never reaches fit: training runs to the end", ("tests/app/test_dashboard.py",)),
    Mutant("pause-check-inverted", "termnet/app/training.py",
           "if not self.control.running.is_set():",
           "if self.control.running.is_set():",
           "p (pause) is shown as paused but training goes on", ("tests/app/test_training_view.py",)),
    Mutant("validation-not-passed", "termnet/app/screens/dashboard.py",
           "network.fit(x, y, validation_split=validation_split, augment=extras.augment,",
           "network.fit(x, y, augment=extras.augment,",
           "the Train tab never gets validation loss and accuracy",
           ("tests/app/test_training_view.py", "tests/app/test_dashboard.py")),
    Mutant("loss-plot-no-batches", "termnet/app/panes/train.py",
           "self.query_one(LossPlot).add_batch(message.epoch + message.batch / message.batches, message.smoothed_loss)",
           "pass",
           "the loss plot is never given its batch points",
           ("tests/app/test_training_view.py", "tests/app/test_dashboard.py")),
    Mutant("confusion-transposed", "termnet/metrics.py",
           "confusion_matrix(labels, predictions, labels=classes)",
           "confusion_matrix(predictions, labels, labels=classes)",
           "confusion matrix transposed (rows predicted, not true)", ("tests/app/test_dashboard.py",)),
    # -- termnet/cli -----------------------------------------------------------------------------------
    Mutant("evaluate-accuracy-balanced", "termnet/metrics.py",
           "float(accuracy_score(labels, predictions))",
           "float(recall.mean())",
           "evaluate reports mean per-class recall as accuracy", ("tests/test_metrics.py", "tests/cli/test_cli.py")),
    Mutant("save-only-on-resume", "termnet/cli/train.py",
           "elif target and epochs_run + history_before > 0:",
           "elif target and history_before > 0:",
           "train --save is ignored unless resuming", ("tests/cli/test_cli.py",)),
    # -- early stopping and sweeps -------------------------------------------------------------------
    Mutant("early-stopping-keeps-last-weights", "termnet/engine/callbacks.py",
           "            param[...] = best", "            pass",
           "early stopping never restores the best epoch's weights", ("tests/engine/test_early_stopping.py",)),
    Mutant("early-stopping-one-epoch-late", "termnet/engine/callbacks.py",
           "if self.wait >= self.patience:", "if self.wait > self.patience:",
           "patience 3 stops after the fourth epoch without progress", ("tests/engine/test_early_stopping.py",)),
    Mutant("sweep-best-by-test", "termnet/sweep/report.py",
           'key=lambda r: (r["val_accuracy"], -r["val_loss"], -r["trial"])',
           'key=lambda r: (r["test_accuracy"], -r["val_loss"], -r["trial"])',
           "the sweep chooses its best trial on the test set", ("tests/sweep/test_report.py",)),
]


# -- running ---------------------------------------------------------------------------------------------
@dataclass
class Result:
    mutant: Mutant
    outcome: str  # caught, survived, broken, timeout, error
    test: str = ""
    seconds: float = 0.0
    note: str = ""

    @property
    def caught(self) -> bool:
        return self.outcome in ("caught", "broken", "timeout")


def copy_tree(destination: Path) -> None:
    """Copy what git would see (tracked, and untracked but not ignored) into ``destination``."""
    listing = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is listed too
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination / name)


def environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(scratch), *filter(None, [env.get("PYTHONPATH")])])
    # no .pyc files: a mutant and its restore can share a size and an mtime second, and a stale
    # cached module would then hide the mutant (or keep it alive into the next run)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # tests find ../shared/data/mnist relative to the repository; point the scratch copy's at the real one
    mnist = REPO.parent / "shared" / "data" / "mnist"
    if "TERMNET_TEST_MNIST_DIR" not in env and mnist.is_dir():
        env["TERMNET_TEST_MNIST_DIR"] = str(mnist)
    return env


def check_import(scratch: Path, env: dict[str, str]) -> None:
    """Fail unless the scratch copy's termnet (not the installed editable one) is what tests import."""
    # from a folder without termnet in it, so only PYTHONPATH can point there (as for the CLI's subprocesses)
    found = subprocess.run([sys.executable, "-c", "import termnet; print(termnet.__file__)"], cwd=scratch / "tests",
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(scratch.resolve()):
        sys.exit(f"mutants: tests would import termnet from {found}, not from the scratch copy {scratch}")


def run_pytest(arguments, scratch: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """pytest's exit status and output; None for the status when it ran past ``timeout``."""
    # a session of its own, so a timeout ends pytest and every termnet subprocess it started
    process = subprocess.Popen([*PYTEST, *arguments], cwd=scratch, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return None, output


# a short-summary line (-rfE): "FAILED tests/x.py::test_y[a b] - message", or "ERROR tests/x.py" at collection
SUMMARY_LINE = re.compile(r"^(?:FAILED|ERROR) ([^\s\[]+(?:\[[^\]]*\])?)", flags=re.MULTILINE)


def failures(output: str) -> list[str]:
    """The tests (or, for collection errors, files) pytest's short summary names, in order."""
    return SUMMARY_LINE.findall(output)


def first_failure(output: str) -> str:
    found = failures(output)
    return found[0] if found else ""


def baseline(paths, scratch: Path, env: dict[str, str], timeout: float, skip: list[str]) -> list[str] | None:
    """Run the unmutated copy; pytest arguments that leave out what already fails, or None if it cannot run.

    Without this a test that already fails (one being written right now, say) would "catch" every mutant.
    """
    status, output = run_pytest(["--continue-on-collection-errors", *skip, *paths], scratch, env, timeout)
    if status not in (0, 1):
        print(output[-3000:], file=sys.stderr)
        return None
    broken = failures(output)
    for name in broken:
        print(f"mutants: fails without any mutant, left out of every run: {name}", file=sys.stderr)
    return [f"--deselect={name}" if "::" in name else f"--ignore={name}" for name in broken]


def classify(mutant: Mutant, status: int | None, output: str) -> Result:
    failed = first_failure(output)
    if status is None:
        return Result(mutant, "timeout", failed, note="hung past --timeout")
    if status == 0:
        return Result(mutant, "survived")
    if "during collection" in output:
        return Result(mutant, "broken", failed, note="the suite fails at collection")
    if status == 1 and failed:
        note = "" if re.search(r"^FAILED ", output, flags=re.MULTILINE) else "error in a fixture"
        return Result(mutant, "caught", failed, note=note)
    # 2 interrupted, 3 internal error, 4 usage error, 5 no tests: the run says nothing about the mutant
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return Result(mutant, "error", failed, note=f"pytest exit {status}: {last}"[:120])


def apply(mutant: Mutant, root: Path) -> str | None:
    """Plant the mutant under ``root``; returns the original text to restore, None when it cannot."""
    path = root / mutant.file
    if not path.is_file():
        return None
    text = path.read_text()
    if text.count(mutant.original) != 1:
        return None
    path.write_text(text.replace(mutant.original, mutant.replacement))
    return text


def run_mutant(mutant: Mutant, scratch: Path, env: dict[str, str], timeout: float, skip=()) -> Result:
    started = time.perf_counter()
    original = apply(mutant, scratch)
    if original is None:
        print(f"mutants: {mutant.id}: snippet not found exactly once in {mutant.file}", file=sys.stderr)
        return Result(mutant, "broken", note="snippet not found")
    try:
        status, output = run_pytest(["-x", *skip, *mutant.tests], scratch, env, timeout)
    finally:
        (scratch / mutant.file).write_text(original)
    result = classify(mutant, status, output)
    result.seconds = time.perf_counter() - started
    return result


def snippet_count(mutant: Mutant, root: Path = REPO) -> int:
    path = root / mutant.file
    return path.read_text().count(mutant.original) if path.is_file() else 0


# -- reporting ---------------------------------------------------------------------------------------------
def print_table(results: list[Result]) -> None:
    width_id = max(len(r.mutant.id) for r in results)
    width_desc = max(len(r.mutant.description) for r in results)
    print(f"{'id':<{width_id}}  {'description':<{width_desc}}  {'result':<8}  caught by")
    for r in results:
        by = r.test + (f"  ({r.note})" if r.note else "")
        print(f"{r.mutant.id:<{width_id}}  {r.mutant.description:<{width_desc}}  {r.outcome:<8}  {by}")


def print_list(mutants: list[Mutant]) -> None:
    for m in mutants:
        count = snippet_count(m)
        state = "" if count == 1 else f"  !! snippet found {count} times"
        print(f"{m.id:<30} {m.file:<34} {' '.join(m.tests):<30} {m.description}{state}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and whether each still applies")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    parser.add_argument("--timeout", type=float, default=300, metavar="SECONDS",
                        help="per mutant; a mutant still running then counts as caught by the timeout")
    parser.add_argument("--ignore", nargs="+", default=[], metavar="PATH",
                        help="test files to leave out of every run (tests still being written, say)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the first run of the unmutated copy (which proves a failure means the mutant)")
    args = parser.parse_args(argv)

    ids = [m.id for m in MUTANTS]
    if len(set(ids)) != len(ids):
        parser.error("duplicate mutant ids")
    unknown = sorted(set(args.only or []) - set(ids))
    if unknown:
        parser.error(f"unknown mutant id(s): {', '.join(unknown)}")
    mutants = [m for m in MUTANTS if not args.only or m.id in args.only]
    if args.list:
        print_list(mutants)
        return 0 if all(snippet_count(m) == 1 for m in mutants) else 1

    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="termnet-mutants-"))
    try:
        copy_tree(scratch)
        env = environment(scratch)
        check_import(scratch, env)
        print(f"scratch copy: {scratch}", file=sys.stderr)
        skip = [f"--ignore={path}" for path in args.ignore]
        left_out = []
        if not args.no_baseline:
            paths = list(dict.fromkeys(p for m in mutants for p in m.tests))
            left_out = baseline(paths, scratch, env, args.timeout * 3, skip)
            if left_out is None:
                print(f"mutants: the unmutated copy cannot run ({' '.join(paths)}): fix that first", file=sys.stderr)
                return 2
            skip += left_out
            print(f"baseline done ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
        results = []
        for number, mutant in enumerate(mutants, 1):
            result = run_mutant(mutant, scratch, env, args.timeout, skip)
            results.append(result)
            print(f"[{number}/{len(mutants)}] {mutant.id}: {result.outcome} {result.test} "
                  f"({result.seconds:.0f}s)", file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"kept the scratch copy: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    print_table(results)
    caught = sum(r.caught for r in results)
    flagged = [r.mutant.id for r in results if r.outcome in ("broken", "timeout")]
    print(f"caught {caught} of {len(results)} mutants in {time.perf_counter() - started:.0f}s"
          + (f" (flagged: {', '.join(flagged)})" if flagged else ""))
    for argument in left_out:
        print(f"left out, as it fails without any mutant: {argument.split('=', 1)[1]}")
    survivors = [r.mutant.id for r in results if not r.caught]
    if survivors:
        print(f"not caught: {', '.join(survivors)}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
