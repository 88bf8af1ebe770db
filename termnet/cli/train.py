"""termnet train: build a network from a preset, spec or saved model, train it, report, save."""

from __future__ import annotations

import json
import sys
import time

from rich.console import Console

from ..engine import TrainingDiverged
from ..engine.serialization import load_model, save_model
from ..metrics import evaluate
from ..spec import load_spec
from .common import UserError, load_data
from .progress import PlainProgress, RichProgress, StopOnInterrupt


def model_metadata(data, spec_name: str, train_size: int) -> dict:
    return {"dataset": data.name, "class_names": data.class_names, "image_shape": list(data.image_shape),
            "data_description": data.description, "spec": spec_name, "train_size": train_size}


def train(args) -> int:
    overrides = {"learning_rate": args.learning_rate, "epochs": args.epochs, "batch_size": args.batch_size,
                 "optimizer": args.optimizer, "loss": args.loss, "seed": args.seed}
    if args.resume:
        network, metadata = load_model(args.resume)
        spec_name = metadata.get("spec", "resumed")
        dataset = args.data or metadata.get("dataset")
        train_size = args.train_size if args.train_size is not None else metadata.get("train_size", 0)
        _apply_overrides(network, overrides)
    else:
        spec = load_spec(args.model)
        spec_name = spec.name
        dataset = args.data
        params = spec.hyperparameters(**overrides)
        train_size = args.train_size if args.train_size is not None else params["train_size"]
    data = load_data(dataset, args.data_dir, train_size, quiet=False)
    if not args.resume:
        network = spec.build(data.image_shape, **overrides)
    elif tuple(network.input_shape) != data.image_shape:
        raise UserError(f"{args.resume} takes images of shape {tuple(network.input_shape)}, "
                        f"but {data.name} has {data.image_shape}")

    json_mode = args.json
    console = Console(stderr=json_mode)
    stream = sys.stderr if json_mode else sys.stdout
    progress = RichProgress(network.epochs, console) if console.is_terminal else PlainProgress(network.epochs, stream)
    interrupt = StopOnInterrupt()
    history_before = len(network.history.get("loss", []))
    start = time.perf_counter()
    error = None
    try:
        network.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test),
                    callbacks=[progress, interrupt])
    except TrainingDiverged as diverged:
        error = str(diverged)
    seconds = time.perf_counter() - start
    epochs_run = len(network.history.get("loss", [])) - history_before
    if error:
        print(f"termnet: {error}", file=sys.stderr)
    if args.save and epochs_run + history_before > 0:
        save_model(network, args.save, model_metadata(data, spec_name, train_size))
        print(f"Saved {args.save}", file=sys.stderr)
    probabilities = network.predict(data.x_test)  # one pass over the test set serves every figure
    result = evaluate(probabilities, data.y_test, data.num_classes, network.loss_value(probabilities, data.y_test))
    training_seconds = sum(network.history.get("seconds", [])[history_before:]) or seconds
    trained_samples = len(data.x_train) * max(epochs_run, 0)
    summary = {
        "test_accuracy": result.accuracy, "test_loss": result.loss, "epochs": epochs_run,
        "epochs_trained": network.epochs_trained, "train_seconds": round(seconds, 3),
        "train_samples_per_second": round(trained_samples / training_seconds, 1) if training_seconds else 0.0,
        "train_samples": len(data.x_train), "dataset": data.name, "model": spec_name,
        "stopped_early": bool(interrupt.interrupted or error), "history": network.history,
    }
    if error:
        summary["error"] = error
    if json_mode:
        print(json.dumps(summary))
    else:
        print(f"Test accuracy {result.accuracy:.2%}, test loss {result.loss:.4f} "
              f"after {epochs_run} epoch(s) in {seconds:.1f}s")
    return 1 if error else 0


def _apply_overrides(network, overrides: dict) -> None:
    """Command-line options that change a resumed network's training."""
    if overrides["learning_rate"] is not None:
        if overrides["learning_rate"] <= 0:
            raise UserError(f"learning_rate must be a positive number. Received: {overrides['learning_rate']}")
        network.learning_rate = network.optimizer.learning_rate = overrides["learning_rate"]
    if overrides["epochs"] is not None:
        network.epochs = overrides["epochs"]
    if overrides["batch_size"] is not None:
        network.batch_size = overrides["batch_size"]
