"""A sweep from the Runs tab: trials in background processes, each joining the runs table, the best loaded."""

from termnet.app import make_app
from termnet.app.panes.runs import RunsView
from termnet.app.widgets.hyperparameters import HyperparameterForm

from .pilot import SIZE, key, notifications, wait_until


async def test_a_sweep_from_the_runs_tab_fills_the_table_plots_accuracy_and_loads_the_best(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.dashboard.query_one(HyperparameterForm).set_values({"epochs": 1})
        await pilot.press("r")
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("#sweep-values").value = "1e-3:1e-1:3log"
        app.screen.query_one("#sweep-values").focus()
        await pilot.press("enter")
        runs = app.dashboard.query_one(RunsView)
        await wait_until(lambda: "Sweep finished" in [n.title for n in app._notifications], seconds=120)
        await pilot.pause()
        trials = runs.sweep_results
        assert sorted(r["trial"] for r in trials) == [0, 1, 2] and all(r["status"] == "ok" for r in trials), trials
        names = [run.name for run in runs.runs]
        assert sum(name.startswith("sweep ") for name in names) == 3
        best = max(trials, key=lambda r: (r["val_accuracy"], -r["val_loss"], -r["trial"]))
        assert names[-1] == f"sweep-best-trial-{best['trial']}.termnet", "the best trial is loaded (a run of its own)"
        assert app.network.learning_rate == best["values"]["learning_rate"]
        assert f"Best: trial {best['trial']}" in notifications(app)
        await pilot.press("r")  # loading the best showed the Build tab: the plot is drawn where it is seen
        await pilot.pause()
        plot = runs.query_one("#runs-plot")
        drawn = str(plot.render()) + str(plot.render())  # drawn twice: every refresh draws it again
        assert "validation accuracy against learning_rate" in drawn and "0.01" in drawn
        assert any("\u2800" < ch <= "\u28ff" for ch in drawn), "no braille points drawn"


async def test_a_bad_range_is_named_under_the_field_and_nothing_runs(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r", "w")
        await pilot.pause()
        app.screen.query_one("#sweep-values").value = "0:1:3log"
        app.screen.query_one("#sweep-values").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "a log range needs both ends above 0" in str(app.screen.query_one("#sweep-problem").render())
        await key(app, "escape")
        await pilot.pause()
        assert not app.dashboard.query_one(RunsView).runs
