"""termnet train: build a network from a preset, spec or saved model, train it, report, save.

Validation and test are kept apart: each epoch is validated on a held-out share of
the training images (``--validation-split``, ``val_`` figures), and the test set is
only used once training ends (``test_`` figures).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console

from ..data import PLANAR
from ..engine import (
    SCHEDULES,
    TrainingDiverged,
    learning_rate_factor,
    load_model,
    save_model,
)
from ..engine.health import run_warning
from ..metrics import evaluate
from ..presets import fit_preset
from ..provenance import how_trained, model_metadata, remembered_data
from ..settings import APPLIED_ON_RESUME, SETTINGS, combination_problem, fit_extras
from ..spec import PRESETS, load_spec
from .common import UserError, figures_on_test_set, load_data
from .planar_options import planar_options
from .progress import PlainProgress, RichProgress, StopOnInterrupt

DEFAULT_MODEL = "mlp"


def train(args) -> int:
    overrides = {name: getattr(args, name) for name in SETTINGS}  # None: not given
    data_dir = args.data_dir
    if args.resume:
        network, metadata = load_model(args.resume)
        refuse_changes_on_resume(args, network, metadata)
        spec_name = metadata.get("spec", "resumed")
        dataset, data_dir = remembered_data(metadata, args.data, args.data_dir)  # where the first run found it
        remembered = how_trained(metadata)  # as the dashboard's load reads them
        train_size = remembered["train_size"]
        validation_split = network.validation_split  # the file's (none held out in files from before it)
        augment = args.augment or remembered["augment"]  # a resumed run augments as the first did
        plan_before = network.schedule, network.schedule_step, network.schedule_steps, network.learning_rate
        apply_on_resume(network, args)
    else:
        spec = load_spec(args.model or default_model(args.data))
        spec_name = spec.name
        dataset = args.data
        params = spec.hyperparameters(**overrides)
        train_size = params["train_size"]
        validation_split = params["validation_split"]
        augment = params["augment"]
    patience = args.patience if args.resume else params["patience"]
    if problem := combination_problem({"patience": patience, "validation_split": validation_split},
                                      lambda name: SETTINGS[name].option):
        raise UserError(problem)
    planar = planar_options(args, dataset, metadata.get("planar") if args.resume else None)
    data = load_data(dataset, data_dir, train_size, quiet=False, planar=planar)
    if not args.resume:
        if (args.model or default_model(args.data)) in PRESETS:  # a preset fits the data; a spec file is as written
            spec, note = fit_preset(spec, data.image_shape)
            if note:
                print(note, file=sys.stderr)
        network = spec.build(data.image_shape, **overrides)
    elif tuple(network.input_shape) != data.image_shape:
        raise UserError(f"{args.resume} takes images of shape {tuple(network.input_shape)}, "
                        f"but {data.name} has {data.image_shape}")
    held_out = len(network.split_validation(len(data.x_train), validation_split)[1]) if validation_split else 0
    print(f"Validation: {held_out:,} of the {len(data.x_train):,} training images "
          f"(--validation-split {validation_split:g}); the {len(data.x_test):,} test images are kept for the end",
          file=sys.stderr)
    if args.resume:
        _schedule_note(network, *plan_before)

    json_mode = args.json
    console = Console(stderr=json_mode)
    stream = sys.stderr if json_mode else sys.stdout
    progress = RichProgress(network.epochs, console) if console.is_terminal else PlainProgress(network.epochs, stream)
    interrupt = StopOnInterrupt()
    extras = fit_extras({"patience": patience, "augment": augment}, data.image_shape, network.seed)
    stopper = extras.stopper
    history_before = len(network.history.get("loss", []))
    start = time.perf_counter()
    error = None
    try:
        network.fit(data.x_train, data.y_train, validation_split=validation_split,
                    callbacks=[progress, interrupt, *extras.callbacks], augment=extras.augment)
    except TrainingDiverged as diverged:
        error = " ".join(str(diverged).split())  # one line, whatever the message holds
    seconds = time.perf_counter() - start
    epochs_run = len(network.history.get("loss", [])) - history_before
    if error:
        print(f"termnet: {error}", file=sys.stderr)
    elif stopper:
        print(stopper.summary(), file=sys.stderr)
    target = save_target(args)
    resumed_file = bool(target and args.resume and Path(target).resolve() == Path(args.resume).resolve())
    if target and error and resumed_file:  # a diverged run does not replace the model it resumed
        print(f"Not saved: {Path(target).resolve()} is kept as it was (--save FILE saves this run elsewhere)",
              file=sys.stderr)
    elif target and epochs_run + history_before > 0:
        save_model(network, target, model_metadata(data, spec_name, train_size, data_dir, augment))
        back = " (back to the file it resumed from)" if resumed_file else ""
        print(f"Saved {Path(target).resolve()}{back}", file=sys.stderr)
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
        "stopped_early": bool(interrupt.interrupted or error or (stopper and stopper.stopped_epoch)),
        "history": network.history,
    }
    if error:
        summary["error"] = error
    if stopper:
        summary["early_stopping"] = stopper.report()
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


def default_model(dataset: str | None) -> str:
    """The preset trained when --model is left out: the playground's for 2-D points, else the MLP."""
    return "playground" if dataset in PLANAR else DEFAULT_MODEL


def save_target(args) -> str | None:
    """Where the run saves: --save's file; with --resume and no --save, the file it resumed from (--no-save: none)."""
    if args.save:
        return args.save
    return args.resume if args.resume and not args.no_save else None




def kept_on_resume(network, metadata: dict) -> dict:
    """Each setting a resumed run keeps: (the value it was trained with, how the refusal says so)."""
    loss = network.loss.name if network.loss else None
    size = metadata.get("train_size", 0) or 0
    return {
        "optimizer": (network.optimizer.name, f"with {network.optimizer.name}"),
        "loss": (loss, f"with {loss}"),
        "seed": (network.seed, "without a seed" if network.seed is None else f"with seed {network.seed}"),
        "init": (network.init, f"from {network.init} initial weights"),
        "validation_split": (network.validation_split, f"with {network.validation_split:g} (the held-out images "
                                                       f"must stay held out)"),
        "train_size": (size, f"on the first {size:,} training images" if size else "on all the training images"),
    }


def refuse_changes_on_resume(args, network, metadata: dict) -> None:
    """A UserError naming the first option that would change what the saved model continues with.

    Options that ask for what the model already has are accepted (they change nothing). A setting neither
    applied nor known to be kept (one added to the table later) is refused, never silently ignored.
    """
    if args.model is not None:
        raise UserError("--model cannot be used with --resume: the model file holds its layers; "
                        "start a new run instead")
    kept = kept_on_resume(network, metadata)
    for name, setting in SETTINGS.items():
        given = getattr(args, name, None)
        if given is None or name in APPLIED_ON_RESUME:
            continue
        if name not in kept:
            raise UserError(f"{setting.option} cannot be used with --resume yet; start a new run instead")
        was, described = kept[name]
        if given != was:
            raise UserError(f"{setting.option} cannot change on --resume: the model was trained {described}; "
                            f"start a new run instead")
    if args.data is not None and metadata.get("dataset") and args.data != metadata["dataset"]:
        raise UserError(f"--data cannot change on --resume: the model was trained on {metadata['dataset']}; "
                        f"start a new run instead")


def apply_on_resume(network, args) -> None:
    """The options that change how a resumed network goes on: epochs, learning rate, batch size, schedule, decay.

    Another schedule than the model's starts a new plan over this run's steps (``constant``: none), so that,
    say, a finished one-cycle run can go on at a fixed rate; the model's own schedule goes on where it stopped.
    """
    if args.learning_rate is not None:
        network.learning_rate = args.learning_rate  # the optimizer's base rate; a schedule scales it
    if args.epochs is not None:
        network.epochs = args.epochs
    if args.batch_size is not None:
        network.batch_size = args.batch_size
    if args.weight_decay is not None:  # a coefficient, no state: the optimizer goes on with the new one
        network.optimizer.weight_decay = args.weight_decay
    schedule = None if args.schedule in (None, "constant") else args.schedule
    if args.schedule is not None and schedule != network.schedule:
        network.schedule, network.schedule_step, network.schedule_steps = schedule, 0, None  # fit plans anew


def _schedule_note(network, schedule_before, step_before, steps_before, rate_before) -> None:
    """One line saying how the resumed run's learning rate goes on."""
    if network.schedule != schedule_before:
        ended = ""
        if schedule_before and steps_before and step_before:
            factor = learning_rate_factor(schedule_before, min(step_before, steps_before) - 1, steps_before)
            ended = f" ({schedule_before} had reached {rate_before * factor:.3g})"
        how = (f"a new plan over this run's {network.epochs} epoch(s) from the base rate"
               if network.schedule else "the learning rate")
        print(f"Schedule: {network.schedule or 'constant'} from here on, {how} {network.learning_rate:.3g}{ended}",
              file=sys.stderr)
        return
    if not (network.schedule and network.schedule_steps):
        return
    step, steps = network.schedule_step, network.schedule_steps
    if step >= steps:
        final = network.learning_rate * learning_rate_factor(network.schedule, steps - 1, steps)
        others = " or ".join(s for s in SCHEDULES if s != network.schedule)
        print(f"Schedule: {network.schedule} has run all its {steps:,} planned steps; resumed training goes on "
              f"at its final learning rate, {final:.3g} (--schedule {others} changes it)", file=sys.stderr)
    else:
        print(f"Schedule: {network.schedule} continues at step {step:,} of {steps:,}", file=sys.stderr)
