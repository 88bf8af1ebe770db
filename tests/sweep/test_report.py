"""How a sweep is shown: the best by validation figures only, the live table at 80 columns, the plot."""

from rich.console import Console

from termnet.sweep import setting_axis
from termnet.sweep.report import accuracy_plot, best_result, table


def result(trial, rate, val_accuracy, val_loss=0.5, test_accuracy=0.5, status="ok", **extra):
    return {"trial": trial, "values": {"learning_rate": rate}, "seed": 0, "status": status,
            "val_accuracy": val_accuracy, "val_loss": val_loss, "test_accuracy": test_accuracy, "epochs": 1,
            "seconds": 0.1, **extra}


def test_the_best_is_chosen_on_validation_never_on_the_test_set():
    results = [result(0, 0.1, 0.9, val_loss=0.3, test_accuracy=0.5), result(1, 0.01, 0.8, test_accuracy=0.99),
               result(2, 0.3, 0.9, val_loss=0.2, test_accuracy=0.1), {**result(3, 9.0, 0.0), "status": "diverged"}]
    assert best_result(results)["trial"] == 2  # equal accuracy: the lower validation loss
    assert best_result([results[3]]) is None


def test_the_table_fits_80_columns_with_each_failure_and_its_reason_whole():
    failed = {"trial": 1, "values": {"learning_rate": 1e30}, "seed": 0, "status": "diverged", "seconds": 1,
              "reason": "Training stopped at epoch 1, batch 3: the loss became nan"}
    results = [result(0, 0.1, 0.9), failed]
    console = Console(width=80, record=True, color_system=None)
    console.print(table(results, ["learning_rate"], 4))
    text = console.export_text()
    assert "Sweep: 2 of 4 trial(s) done" in text and "best" in text and "diverged" in text and "…" not in text
    assert "trial 1 diverged: Training stopped at epoch 1, batch 3: the loss became nan" in text


def test_the_plot_draws_accuracy_against_a_log_axis_and_needs_two_values():
    axis = setting_axis("learning_rate", "1e-3:1e-1:3log")
    drawn = accuracy_plot([result(0, 0.001, 0.3), result(1, 0.01, 0.8), result(2, 0.1, 0.6)], axis)
    assert "learning_rate (log scale)" in drawn and "0.0100" in drawn and "\x1b[" not in drawn
    assert accuracy_plot([result(0, 0.001, 0.3)], axis) is None
    assert accuracy_plot([result(0, 0.001, 0.3)], setting_axis("optimizer", "adam,sgd")) is None
