"""termnet train: build a network from a preset, spec or saved model, train it, report, save.

Validation and test are kept apart: each epoch is validated on a held-out share of
the training images (``--validation-split``, ``val_`` figures), and the test set is
only used once training ends (``test_`` figures).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from rich.console import Console

from ..engine import TrainingDiverged, learning_rate_factor, load_model, save_model
from ..engine.health import run_warning
from ..metrics import evaluate
from ..spec import load_spec
from .common import UserError, figures_on_test_set, load_data
from .progress import PlainProgress, RichProgress, StopOnInterrupt

DEFAULT_MODEL = "mlp"


def model_metadata(data, spec_name: str, train_size: int) -> dict:
    return {"dataset": data.name, "class_names": data.class_names, "image_shape": list(data.image_shape),
            "data_description": data.description, "spec": spec_name, "train_size": train_size}


def train(args) -> int:
    overrides = {"learning_rate": args.learning_rate, "epochs": args.epochs, "batch_size": args.batch_size,
                 "optimizer": args.optimizer, "loss": args.loss, "seed": args.seed}
    if args.resume:
        network, metadata = load_model(args.resume)
        refuse_changes_on_resume(args, network, metadata)
        spec_name = metadata.get("spec", "resumed")
        dataset = args.data or metadata.get("dataset")
        train_size = metadata.get("train_size", 0)
        validation_split = network.validation_split  # the file's (none held out in files from before it)
        apply_on_resume(network, args)
    else:
        spec = load_spec(args.model or DEFAULT_MODEL)
        spec_name = spec.name
        dataset = args.data
        params = spec.hyperparameters(**overrides)
        train_size = args.train_size if args.train_size is not None else params["train_size"]
        validation_split = params["validation_split"] if args.validation_split is None else args.validation_split
    data = load_data(dataset, args.data_dir, train_size, quiet=False)
    if not args.resume:
        network = spec.build(data.image_shape, **overrides)
    elif tuple(network.input_shape) != data.image_shape:
        raise UserError(f"{args.resume} takes images of shape {tuple(network.input_shape)}, "
                        f"but {data.name} has {data.image_shape}")
    held_out = len(network.split_validation(len(data.x_train), validation_split)[1]) if validation_split else 0
    print(f"Validation: {held_out:,} of the {len(data.x_train):,} training images "
          f"(--validation-split {validation_split:g}); the {len(data.x_test):,} test images are kept for the end",
          file=sys.stderr)
    if args.resume:
        _schedule_note(network)

    json_mode = args.json
    console = Console(stderr=json_mode)
    stream = sys.stderr if json_mode else sys.stdout
    progress = RichProgress(network.epochs, console) if console.is_terminal else PlainProgress(network.epochs, stream)
    interrupt = StopOnInterrupt()
    history_before = len(network.history.get("loss", []))
    start = time.perf_counter()
    error = None
    try:
        network.fit(data.x_train, data.y_train, validation_split=validation_split, callbacks=[progress, interrupt])
    except TrainingDiverged as diverged:
        error = " ".join(str(diverged).split())  # one line, whatever the message holds
    seconds = time.perf_counter() - start
    epochs_run = len(network.history.get("loss", [])) - history_before
    if error:
        print(f"termnet: {error}", file=sys.stderr)
    if args.save and epochs_run + history_before > 0:
        save_model(network, args.save, model_metadata(data, spec_name, train_size))
        print(f"Saved {args.save}", file=sys.stderr)
    with np.errstate(over="ignore", invalid="ignore"):  # weights near divergence give a NaN loss, said once above
        probabilities = network.predict(data.x_test)  # one pass over the test set serves every figure
        loss = network.loss_value(probabilities, data.y_test)
    result = evaluate(probabilities, data.y_test, data.num_classes, loss)
    training_seconds = sum(network.history.get("seconds", [])[history_before:]) or seconds
    trained_on = len(data.x_train) - held_out
    trained_samples = trained_on * max(epochs_run, 0)
    summary = {
        **figures_on_test_set(result), "epochs": epochs_run,
        "epochs_trained": network.epochs_trained, "train_seconds": round(seconds, 3),
        "train_samples_per_second": round(trained_samples / training_seconds, 1) if training_seconds else 0.0,
        "train_samples": trained_on, "validation_samples": held_out, "validation_split": validation_split,
        "test_samples": len(data.x_test), "dataset": data.name, "model": spec_name,
        "stopped_early": bool(interrupt.interrupted or error), "history": network.history,
    }
    if error:
        summary["error"] = error
    # A run that learned nothing still ran: exit 0 (the model was trained and saved as asked), but say so on
    # stderr, loudly, and in the JSON, so that neither a person nor a script takes it for a trained model.
    warning = None if error else run_warning(network.history.get("loss", [])[history_before:], result.accuracy,
                                             data.num_classes, network.loss.name if network.loss else "",
                                             network.learning_rate)
    if warning:
        summary["warning"] = warning
        print(f"termnet: warning: {warning}", file=sys.stderr)
    if json_mode:
        print(json.dumps(summary))
    else:
        print(f"Test accuracy {result.accuracy:.2%}, test loss {result.loss:.4f} "
              f"after {epochs_run} epoch(s) in {seconds:.1f}s")
    return 1 if error else 0


def refuse_changes_on_resume(args, network, metadata: dict) -> None:
    """A UserError naming the first option that would change what the saved model continues with.

    Options that ask for what the model already has are accepted (they change nothing).
    """
    def refuse(option: str, was: str) -> None:
        raise UserError(f"{option} cannot change on --resume: the model was trained {was}; start a new run instead")

    if args.model is not None:
        raise UserError("--model cannot be used with --resume: the model file holds its layers; "
                        "start a new run instead")
    if args.optimizer is not None and args.optimizer != network.optimizer.name:
        refuse("--optimizer", f"with {network.optimizer.name}")
    loss = network.loss.name if network.loss else None
    if args.loss is not None and args.loss != loss:
        refuse("--loss", f"with {loss}")
    if args.seed is not None and args.seed != network.seed:
        refuse("--seed", "without a seed" if network.seed is None else f"with seed {network.seed}")
    schedule = getattr(args, "schedule", None)  # for when train offers --schedule
    if schedule is not None and (schedule if schedule != "constant" else None) != network.schedule:
        refuse("--schedule", f"with {network.schedule or 'constant'}")
    split = network.validation_split
    if args.validation_split is not None and args.validation_split != split:
        refuse("--validation-split", f"with {split:g} (the held-out images must stay held out)")
    size = metadata.get("train_size", 0)
    if args.train_size is not None and (args.train_size or 0) != (size or 0):
        refuse("--train-size", f"on the first {size:,} training images" if size else "on all the training images")
    if args.data is not None and metadata.get("dataset") and args.data != metadata["dataset"]:
        refuse("--data", f"on {metadata['dataset']}")


def apply_on_resume(network, args) -> None:
    """The options that change how a resumed network goes on: epochs, learning rate, batch size."""
    if args.learning_rate is not None:
        network.learning_rate = args.learning_rate  # the optimizer's base rate; a schedule scales it
    if args.epochs is not None:
        network.epochs = args.epochs
    if args.batch_size is not None:
        network.batch_size = args.batch_size


def _schedule_note(network) -> None:
    if not (network.schedule and network.schedule_steps):
        return
    step, steps = network.schedule_step, network.schedule_steps
    if step >= steps:
        final = network.learning_rate * learning_rate_factor(network.schedule, steps - 1, steps)
        print(f"Schedule: {network.schedule} has run all its {steps:,} planned steps; resumed training goes on "
              f"at its final learning rate, {final:.3g}", file=sys.stderr)
    else:
        print(f"Schedule: {network.schedule} continues at step {step:,} of {steps:,}", file=sys.stderr)
