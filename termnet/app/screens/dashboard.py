"""DashboardScreen: build a stack, train it live, and inspect the results, a pane per tab.

The screen owns the network on screen and its results; it runs training in a worker, hands each
pane what it shows (attributes down), and asks the app for data and specs by message.
"""

from __future__ import annotations

import math
import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane
from textual.worker import WorkerState, get_current_worker

from ...engine import EarlyStopping, TrainingDiverged
from ...engine.health import chance_loss
from ...metrics import Evaluation, evaluate
from ...provenance import how_trained
from ...settings import fit_extras
from ...spec import Spec
from ..hints import TAB_HINTS, first_steps
from ..messages import (
    BatchProgress,
    DataRequested,
    EpochEnded,
    HealthReport,
    SpecRequested,
    TrainingFailed,
    TrainingFinished,
)
from ..pace import settle_heap, training_pace
from ..panes.draw import DrawView
from ..panes.inside import InsideView
from ..panes.lesson import LessonView, lesson_network
from ..panes.results import ConfusionView, DigitsView
from ..panes.runs import Run, RunsView
from ..panes.train import TrainView
from ..playground import PlaygroundControls
from ..training import MessageBridge, TrainingControl, continuation, continue_problem, same_stack
from ..widgets.digit_grid import DigitGrid
from ..widgets.drawing_canvas import DrawingCanvas
from ..widgets.hyperparameters import HyperparameterForm
from ..widgets.layer_list import LayerList
from ..widgets.steady_footer import SteadyFooter

LAUNCH_AT_LATEST = 0.5  # seconds after s by which a run starts, whatever happened to the frames it waits for
PLOT_INTERVAL = 1.0  # seconds between plot redraws: each one takes the GIL from training for a while


PRESETS_GROUP = Binding.Group("Presets", compact=True)
#: Below this many columns or rows the tabs cannot show their essentials: the screen asks for a larger window.
MIN_SIZE = (70, 20)


class DashboardScreen(PlaygroundControls, Screen):
    """The dashboard. Training runs in a worker owned by this screen; results come back as messages."""

    # Tab keys are drawn in the tab labels (TAB_LABELS), so the footer keeps its room for the focused
    # tab's own keys and the few that matter now: s to start (and C to continue), p and x while training.
    BINDINGS = [
        Binding("b", "tab('build')", "Build", show=False), Binding("t", "tab('train')", "Train", show=False),
        Binding("c", "tab('confusion')", "Confusion", show=False), Binding("g", "tab('digits')", "Digits", show=False),
        Binding("i", "tab('inside')", "Inside", show=False), Binding("r", "tab('runs')", "Runs", show=False),
        Binding("v", "tab('draw')", "Draw", show=False), Binding("l", "tab('lesson')", "Lesson", show=False),
        Binding("k", "check_gradients", "Check gradients", show=False,
                tooltip="Check the stack's gradients against finite differences (on the Inside tab)"),
        Binding("o", "time_layers", "Time layers", show=False,
                tooltip="Time each layer's forward and backward pass (on the Inside tab)"),
        Binding("M", "layer_map", "Layer map", show=False,
                tooltip="Map what a layer learned: 1,000 test images by its activations, PCA then t-SNE"),
        Binding("s", "start", "Start", tooltip="Train the stack of the Build tab with the settings beside it"),
        Binding("C", "continue_training", "Continue",
                tooltip="Continue training the network on screen for the form's epochs: weights, optimizer "
                        "state, history and schedule go on (a finished schedule starts a new cycle)"),
        Binding("p", "pause", "Pause", tooltip="Pause training, or resume it"),
        Binding("x", "stop", "Stop", tooltip="Stop training after this batch, keeping the weights learned so far"),
        Binding("n", "step", "Step", tooltip="While paused: train one batch, then pause again"),
        Binding("1", "preset('article-mlp')", "Article MLP", group=PRESETS_GROUP),
        Binding("2", "preset('article-cnn')", "Article CNN", group=PRESETS_GROUP),
        Binding("3", "preset('mlp')", "MLP", group=PRESETS_GROUP),
        Binding("4", "preset('cnn')", "CNN", group=PRESETS_GROUP),
        Binding("A", "preview_augment", "Augment preview", show=False,
                tooltip="Show a few training digits as the form's Augment setting changes them"),
        Binding("u", "robustness", "Robustness", show=False,
                tooltip="Test accuracy of the network on screen against rotated, shifted, noisy, thicker digits"),
    ]
    #: Each tab's label shows the key that opens it.
    TAB_LABELS = {"build": ("b", "Build"), "train": ("t", "Train"), "confusion": ("c", "Confusion"),
                  "digits": ("g", "Digits"), "inside": ("i", "Inside"), "runs": ("r", "Runs"), "draw": ("v", "Draw"),
                  "lesson": ("l", "Lesson")}

    @classmethod
    def tab_label(cls, tab: str) -> str:
        key, name = cls.TAB_LABELS[tab]
        return f"[b $accent]{key}[/] {name}"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Start while idle, continue while idle with a network on screen; pause and stop while training: the
        footer shows only the keys that do something now."""
        # Textual: False hides the key from the footer (and ignores it), True shows it
        if action == "start":
            return not self.training
        if action == "continue_training":
            return self.network is not None and not self.training
        if action in ("pause", "stop"):
            return self.training
        if action == "step":
            return self.training and bool(self.control and self.control.paused)
        if action == "preset":
            return not self.training  # the stack stays as it is while a run trains on it
        return True

    def on_worker_state_changed(self, event) -> None:
        if event.worker.group == "training":
            if event.worker is self.launched and event.state != WorkerState.PENDING:
                self.launching = False  # this run's worker runs (or has ended): it answers for the run from now on
            self.refresh_bindings()  # start, continue, pause and stop come and go in the footer

    # classes the stylesheet lays out by: -narrow (under 110 columns) stacks what sits side by side at -wide
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_SIZE[0], "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_SIZE[1], "-tall-enough")]

    def __init__(self, spec: Spec, image_shape: tuple[int, ...]):
        super().__init__()
        self.spec = spec
        self.image_shape = image_shape
        self.control: TrainingControl | None = None
        self.network = None  # the network on screen: the last one trained or loaded
        self.evaluation: Evaluation | None = None  # its results on the test set
        self.run_name: str | None = None  # its row in the Runs tab
        # the run under way (or the last one): the network whose epochs the Train tab shows, the epoch it
        # ends after, the images it holds out, the run it continues, and whether only the test set is left
        self.shown_training = None
        self.final_epoch = 0
        self.held_out = 0
        self.continued_from: str | None = None  # None for a fresh run; "" when the continued one has no row
        self.evaluating = False
        self.plot_drawn = 0.0  # time.monotonic() of the live plot's last redraw

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")  # a glyph every terminal and browser font has (the default ⭘ is missing in many)
        yield Static("", id="hint")  # what to do first, then what the tab on screen shows
        with TabbedContent(initial="build"):
            with TabPane(self.tab_label("build"), id="build"), Horizontal():
                yield LayerList(self.spec.layers, self.image_shape, id="layers")
                yield HyperparameterForm(self.spec.hyperparameters(), id="form")
            with TabPane(self.tab_label("train"), id="train"):
                yield TrainView(id="train-view")
            with TabPane(self.tab_label("confusion"), id="confusion"):
                yield ConfusionView(id="confusion-view")
            with TabPane(self.tab_label("digits"), id="digits"):
                yield DigitsView(id="digits-view")
            with TabPane(self.tab_label("inside"), id="inside"):
                yield InsideView(id="inside-view")
            with TabPane(self.tab_label("runs"), id="runs"):
                yield RunsView()
            with TabPane(self.tab_label("draw"), id="draw"):
                yield DrawView(self.image_shape[1:])
            with TabPane(self.tab_label("lesson"), id="lesson"):
                yield LessonView(id="lesson-view")
        yield Static("", id="too-small")
        # no "^p palette" at the footer's end: its 12 columns hold Quit at 80; the help's first line names ctrl+p
        yield SteadyFooter(compact=True, show_command_palette=False)

    def on_resize(self, event) -> None:
        width, height = event.size
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            self.query_one("#too-small", Static).update(
                f"This window is {width}x{height}: termnet needs at least {MIN_SIZE[0]}x{MIN_SIZE[1]} "
                f"(80x24 or more is best).\n\nMake the window larger; training and your work go on meanwhile.")

    def on_mount(self) -> None:
        self.query_one(LayerList).focus()
        self.query_one(DrawingCanvas).on_change = self.drawing_changed  # at once, not six message hops later
        self.post_message(DataRequested())

    # -- navigation and stack ------------------------------------------------------
    # a tab shows whatever holds focus, so switching tabs moves focus into the new one
    FOCUS_IN_TAB = {"build": "#layers", "train": "#epochs", "confusion": "#confusion-view", "digits": "#grid",
                    "inside": "#inside-view", "runs": "#runs-table", "draw": "#canvas",
                    "lesson": "#lesson-view"}

    def show_hint(self) -> None:
        """The line under the header: what to press first on a fresh Build tab, else what this tab shows."""
        tab = self.query_one(TabbedContent).active or "build"
        if tab == "build" and self.network is None:
            shown = self.stack_display_name() if self.query_one(LayerList).stack else None
            data = self.app.dataset.name if self.app.dataset is not None else None
            text = first_steps(shown, data)
        else:
            text = TAB_HINTS[tab]
        self.query_one("#hint", Static).update(text)

    def stack_display_name(self) -> str:
        """The stack as people call it: a preset's key description ("MLP"), else the spec's name."""
        for binding in self.BINDINGS:
            if binding.action == f"preset('{self.spec.name}')":
                return binding.description
        return self.spec.name

    @on(TabbedContent.TabActivated)
    def tab_shown(self) -> None:
        self.show_hint()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(self.FOCUS_IN_TAB[tab]).focus()
        if tab == "train":
            self.query_one(TrainView).redraw_plot()
        elif tab == "inside":
            self.refresh_inside()
        elif tab == "lesson":
            self.refresh_lesson()

    def action_preset(self, name: str) -> None:
        if self.refuse_while_training():
            return
        self.post_message(SpecRequested(name))

    def refuse_while_training(self) -> bool:
        """The stack stays as it is while a run trains on it: a notification instead of an edit."""
        if self.training:
            self.notify("The stack cannot change while training (x stops it)", severity="warning")
            return True
        return False

    def show_spec(self, spec: Spec, image_shape: tuple[int, ...]) -> None:
        if image_shape != self.image_shape:
            self.query_one(DrawView).shape = image_shape[1:]
        self.spec, self.image_shape = spec, image_shape
        self.query_one(LayerList).set_stack(spec.layers, image_shape)
        self.query_one(HyperparameterForm).set_values(spec.hyperparameters())
        self.show_hint()

    def current_spec(self) -> tuple[Spec | None, dict, list[str]]:
        """The stack and settings on screen, and every reason they cannot be trained yet."""
        values, problems = self.query_one(HyperparameterForm).values()
        layers = self.query_one(LayerList)
        if not layers.stack:
            problems.append("The stack is empty: add layers (a) or load a preset (1-4)")
        problems += [f"Layer {row.index} does not fit: {row.error}" for row in layers.misfits]
        return Spec(self.spec.name, layers.stack, values, self.spec.description), values, problems

    @on(LayerList.EditRequested)
    def edit_layer(self, event: LayerList.EditRequested) -> None:
        from .layer_form import LayerFormScreen

        if self.refuse_while_training():
            return
        layer = event.layer_list.stack[event.index] if event.index is not None else None
        self.app.push_screen(LayerFormScreen(layer), lambda result: result and not self.refuse_while_training()
                             and event.layer_list.put(event.index, result))

    # -- training -------------------------------------------------------------------
    launching = False  # a run is set to start two frames on (see _launch) and its worker is not running yet
    pending_run: tuple | None = None  # that run's (network, train_size, split) until its worker is started
    launched = None  # the worker of the run launched last

    @property
    def training(self) -> bool:
        return self.launching or any(w.group == "training" and w.is_running for w in self.workers)

    def action_start(self) -> None:
        """Train the stack and settings on screen from scratch."""
        app = self.app
        if app.dataset is None and not self.training:
            self.notify("The data is still loading", severity="warning")
            return
        if (settings := self._settings_to_train("Cannot start training")) is None:
            return
        spec, values, train_size, split = settings
        try:
            network = spec.build(app.dataset.image_shape, **values)
            note = self._validation_note(network, train_size, split)
            if app.dataset.plane is not None:
                network.build()  # the weights fit would make (same seed): its first picture is drawn below
        except ValueError as error:
            self.notify(str(error), title="Cannot start training", severity="error", timeout=8)
            return
        self.spec, self.continued_from = spec, None
        classes = len(app.dataset.class_names)
        self.query_one(TrainView).reset(network.epochs, note, chance_loss(network.loss.name, classes),
                                        network.learning_rate)
        # 2-D data: the untrained network's plane, laid out before training starts (drawn from the first
        # snapshot instead, its size and its neurons' scroll bar cost three layout passes of the first second)
        self.show_plane(network)
        self._launch(network, train_size, split)

    def action_continue_training(self) -> None:
        """Train the network on screen for the form's epochs more: its weights, optimizer state, history and
        schedule position go on (training.continuation says what the form may change and what the schedule does)."""
        app, trained = self.app, self.network
        if (trained is None or app.dataset is None) and not self.training:
            self.notify("Nothing to continue: s trains the stack, L loads a model", severity="warning")
            return
        data = app.dataset
        if (settings := self._settings_to_train("Cannot continue training")) is None:
            return
        spec, values, train_size, split = settings
        try:
            problem = continue_problem(trained, spec.build_layers(data.image_shape), values, data.image_shape,
                                       len(data.class_names))
            if problem is None:
                count, held = self._split_counts(trained, train_size, split)
                note = self._validation_note(trained, train_size, split)
                network, plan = continuation(trained, values, math.ceil((count - held) / values["batch_size"]))
        except ValueError as error:
            problem = str(error)
        if problem is not None:
            self.notify(problem, title="Cannot continue training", severity="error", timeout=8)
            return
        first = len(trained.history.get("loss", []))
        view, chance = self.query_one(TrainView), chance_loss(network.loss.name, len(data.class_names))
        if self.shown_training is not trained:  # the Train tab shows another run: this network's epochs first
            view.reset(network.epochs, note, chance, network.learning_rate)
            view.replay(trained.history)
        view.carry_on(f"{note} · schedule: {plan}", chance, network.learning_rate,
                      f"Continuing after epoch {first}: {network.epochs} more epoch(s), {plan}…")
        self.spec, self.continued_from = spec, self.run_name or ""
        self._launch(network, train_size, split)

    def _settings_to_train(self, title: str) -> tuple[Spec, dict, int | None, float] | None:
        """The stack and settings on screen, the training images to use (None: all) and the validation share;
        None, with a message saying why, while a run trains or while the form or the stack has a problem."""
        if self.training:
            self.notify("Training is already running (x stops it)", severity="warning")
            return None
        spec, values, problems = self.current_spec()
        if problems:
            self.notify("\n".join(problems), title=title, severity="error", timeout=8)
            self.action_tab("build")
            return None
        self.run_values = values  # what run_training gives fit besides the network: early stopping, augmentation
        return spec, values, values.get("train_size") or None, values.get("validation_split", 0.0)

    def _launch(self, network, train_size: int | None, split: float) -> None:
        self.control = TrainingControl()
        self.shown_training, self.evaluating = network, False
        self.final_epoch = len(network.history.get("loss", [])) + network.epochs
        self.held_out = self._split_counts(network, train_size, split)[1]
        self.action_tab("train")
        # start once the Train tab is drawn with the run's footer (p Pause, x Stop) and the plot held back for a
        # while, so that none of it competes with the first epoch: measured, the footer's rebuild as the worker
        # started and a plot of one point cost the MLP preset's first epoch on MNIST ~25% of its time
        self.launching, self.plot_drawn = True, time.monotonic()
        self.pending_run = (network, train_size, split)
        self.refresh_bindings()
        # two frames: the first lays out what action_start changed, the second what that set off once idle (the
        # epoch table's new size is measured on idle). A frame's callbacks belong to the screen shown then, and
        # go with it if it is popped (s then ? then escape, quickly): the timer starts the run all the same.
        self.call_after_refresh(self.call_after_refresh, self._start_pending_run)
        self.set_timer(LAUNCH_AT_LATEST, self._start_pending_run)

    def _start_pending_run(self) -> None:
        """Start the run _launch set up, once (whichever of its two triggers comes first)."""
        if self.pending_run is not None:
            network, train_size, split = self.pending_run
            self.pending_run = None
            self.launched = self.run_training(network, train_size, split)

    def _split_counts(self, network, train_size: int | None, split: float) -> tuple[int, int]:
        """The training images used and how many of them are held out for validation."""
        count = len(self.app.dataset.x_train[:train_size])
        return count, (len(network.split_validation(count, split)[1]) if split else 0)

    def _validation_note(self, network, train_size: int | None, split: float) -> str:
        data = self.app.dataset
        count, held_out = self._split_counts(network, train_size, split)
        test = f"the {len(data.x_test):,} test images are kept for the end"
        if not split:
            return f"No validation (share 0): training on all {count:,} images; {test}"
        return f"Validation: {held_out:,} of the {count:,} training images held out (share {split:g}); {test}"

    early_stopping: EarlyStopping | None = None  # the latest run's, which the finish line and the table report
    #: How the network on screen was trained, beyond what the network itself holds: saved with it (S) as
    #: `termnet train --save` saves it, read back by a load (L). Not the form's values, which may have changed.
    trained_with: dict = {"train_size": 0, "augment": "none"}

    how_trained = staticmethod(how_trained)  # the run's values (or a file's metadata) as trained_with keeps them

    @work(thread=True, exclusive=True, group="training", description="training", exit_on_error=False)
    def run_training(self, network, train_size: int | None, validation_split: float) -> None:
        data = self.app.dataset
        worker = get_current_worker()
        x, y = data.x_train[:train_size], data.y_train[:train_size]
        bridge = MessageBridge(self.post_message, self.control, network.epochs, lambda: worker.is_cancelled,
                               first_epoch=len(network.history.get("loss", [])), probe=self.plane_probe(data))
        started = time.perf_counter()
        extras = fit_extras(self.run_values, data.image_shape, network.seed)
        self.early_stopping = extras.stopper
        try:
            with training_pace():  # the UI interrupts less often; the garbage collector leaves its heap alone
                # validation_split 0: none held out; augment changes the training batches only
                network.fit(x, y, validation_split=validation_split, augment=extras.augment,
                            callbacks=[bridge, *extras.callbacks])
        except TrainingDiverged as error:
            self.post_message(TrainingFailed(str(error), network, network.predict(data.x_test)))
            return
        except Exception as error:  # noqa: BLE001 - any failure is shown, never a traceback
            self.post_message(TrainingFailed(f"{type(error).__name__}: {error}"))
            return
        if not worker.is_cancelled:
            self.post_message(TrainingFinished(network, network.predict(data.x_test), network.stop_training,
                                               time.perf_counter() - started))

    def action_pause(self) -> None:
        if not (self.control and self.training):
            self.notify("Nothing is training (s starts)", severity="warning")
            return
        if self.control.paused:
            self.control.resume()
            self.notify("Resumed")
        else:
            self.control.pause()
            self.query_one(TrainView).say("Paused: p resumes, n steps one batch, x stops")
        self.refresh_bindings()  # n (step) shows while paused

    def action_stop(self) -> None:
        """Stop after the batch under way; the progress line says so at once, then what is left to do."""
        if not (self.control and self.training) or self.control.stop_requested:
            return
        self.control.stop()
        if self.evaluating:
            return  # the last epoch is done: only the test set is left, and the line says so already
        then = f", then checking the {self.held_out:,} held-out images" if self.held_out else ""
        self.query_one(TrainView).say(f"Stopping… (this batch ends{then})")

    def on_batch_progress(self, message: BatchProgress) -> None:
        control = self.control
        quiet = bool(control and (control.paused or control.stop_requested)) or self.evaluating
        view = self.query_one(TrainView)
        view.show_progress(message, quiet=quiet)
        # the plot is redrawn with a progress line, in the same frame, at most every PLOT_INTERVAL and only when
        # shown (the tab key redraws a hidden one): a frame of its own would take the GIL from training once more
        now = time.monotonic()
        if now - self.plot_drawn >= PLOT_INTERVAL and self.query_one(TabbedContent).active == "train":
            self.plot_drawn = now
            view.redraw_plot()

    def on_epoch_ended(self, message: EpochEnded) -> None:
        view = self.query_one(TrainView)
        view.add_epochs(message.epochs)  # one or several: the newest is message.epoch
        stopped_at = self.control.stopped_at if self.control else None
        stopped = stopped_at is not None and stopped_at[0] == message.epoch
        if stopped or message.epoch + 1 == self.final_epoch:
            # what remains is the test set: a pass over every test image, seconds for a CNN on MNIST
            self.evaluating = True
            tests = f"evaluating on the {len(self.app.dataset.x_test):,} test images…"
            if stopped:
                view.say(f"Stopped in epoch {stopped_at[0] + 1} after batch {stopped_at[1] + 1}: {tests}")
            else:
                view.say(f"Trained to epoch {message.epoch + 1}: {tests}")

    def on_health_report(self, message: HealthReport) -> None:
        self.query_one(TrainView).show_health(message.rows)

    def on_training_finished(self, message: TrainingFinished) -> None:
        view = self.query_one(TrainView)
        view.redraw_plot()
        result = self.show_results(message.network, message.probabilities)
        self.trained_with = self.how_trained(self.run_values)
        previous, name = self.continued_from, None
        if previous is not None:  # a new row beside the one it continues, which keeps its own figures
            name = f"{self.spec.name} #{len(self.query_one(RunsView).runs) + 1} (continues {previous or 'a run'})"
        self.record_run(message.network, result.accuracy, name=name)
        verb = "Stopped" if message.stopped else "Finished"
        if previous is not None:
            verb += f" at epoch {len(message.network.history.get('loss', []))}"
        text = f"{verb} after {message.seconds:.1f}s: test accuracy {result.accuracy:.2%} · C continues"
        view.say(text)  # under 74 characters: it shares the line with the progress bar at 80 columns
        if stopper := self.early_stopping:  # where it stopped, which epoch's weights were kept
            view.mark_early_stop(stopper.best_epoch if stopper.restored else None, stopper.stopped_epoch)
            text += "\n" + stopper.summary()
        self.notify(text, title="Training")
        self.call_after_refresh(settle_heap)  # a quiet moment: later collections skip what exists now

    def on_training_failed(self, message: TrainingFailed) -> None:
        self.query_one(TrainView).say(Text(message.reason, style="bold red"))
        self.notify(message.reason, title="Training stopped", severity="error", timeout=12)
        if message.network is not None:
            self.show_results(message.network, message.probabilities)
            self.trained_with = self.how_trained(self.run_values)
        self.call_after_refresh(settle_heap)

    # -- results ----------------------------------------------------------------------
    def show_results(self, network, probabilities) -> Evaluation:
        """Make ``network`` the one on screen, with its test-set results in the Confusion and Digits tabs."""
        data = self.app.dataset
        self.network, self.run_name = network, None  # record_run names its row, if it gets one
        self.refresh_bindings()  # C (continue) shows once there is a network
        self.show_hint()
        self.evaluation = result = evaluate(probabilities, data.y_test, data.num_classes)
        self.query_one(ConfusionView).show(result, data)
        self.query_one(DigitsView).show(result, data, self.app.shows_grey)
        self.show_plane(network)
        return result

    @on(DigitGrid.Selected)
    def look_inside_the_chosen_digit(self, event: DigitGrid.Selected) -> None:
        self.inside_source = ("test", event.index)

    # -- runs, inside view, drawing ----------------------------------------------------------
    def record_run(self, network, accuracy: float, name: str | None = None) -> None:
        runs = self.query_one(RunsView)
        settings = {"loss": network.loss.name if network.loss else "?", "optimizer": network.optimizer.name,
                    "learning_rate": network.learning_rate, "batch_size": network.batch_size}
        self.run_name = name or f"{self.spec.name} #{len(runs.runs) + 1}"
        # the history as it is now: a network continued later records a new run, this one stays as it was
        runs.add(Run(self.run_name, list(network.layers), settings, {k: list(v) for k, v in network.history.items()},
                     accuracy))
        self.refresh_inside()

    inside_source: tuple = ("test", 0)

    def refresh_inside(self) -> None:
        app, network = self.app, self.network
        if network is None or app.dataset is None:
            return
        if not app.dataset.is_images:
            self.query_one(InsideView).show_note(self.NOT_IMAGES.format(tab="Inside tab", data=app.dataset.name))
            return
        kind, value = self.inside_source
        if kind == "drawn":
            image, caption = self.query_one(DrawView).prepared()[None], "your drawing"
        else:
            data = app.dataset
            image = data.x_test[value]
            caption = f"test image {value}, true {data.class_names[int(data.y_test[value])]}"
        self.query_one(InsideView).show(network, image, caption, color=app.shows_grey)

    @on(DrawingCanvas.Changed)
    def drawing_changed(self, event: DrawingCanvas.Changed | None = None) -> None:
        """Classify the drawing: called by the canvas itself (its on_change), or by its Changed message."""
        view, app, network = self.query_one(DrawView), self.app, self.network
        if app.dataset is not None and not app.dataset.is_images:
            view.show_message(self.NOT_IMAGES.format(tab="Draw tab", data=app.dataset.name))
            return
        if network is None:
            view.show_message("Train a network (s) or load one (L) first: then it classifies as you draw.")
            return
        image = view.prepared()
        if image.shape != tuple(network.input_shape[1:]):
            view.show_message("The canvas does not match the network's input size.")
            return
        view.show_prediction(network.predict(image[None, None])[0], app.dataset.class_names, app.shows_grey, image)
        self.inside_source = ("drawn", None)

    def _current_network(self, dtype="float32"):
        """The trained network when its stack is the one on screen, else a fresh one; None if none fits."""
        spec, values, problems = self.current_spec()
        if problems or self.app.dataset is None:
            self.notify("\n".join(problems) or "The data is still loading", severity="error")
            return None
        network = spec.build(self.app.dataset.image_shape, dtype=dtype, **values).build()
        trained = self.network
        if trained is not None and same_stack(trained.layers, network.layers):
            network.set_weights(trained.get_weights())  # look at what was learned, not at fresh weights
        return network

    def action_check_gradients(self) -> None:
        network = self._current_network("float64")
        if network is not None:
            self.action_tab("inside")
            data = self.app.dataset
            self.query_one(InsideView).check_gradients(network, data.x_train[:4], data.y_train[:4])

    def action_time_layers(self) -> None:
        network = self._current_network()
        if network is not None:
            self.action_tab("inside")
            data, batch = self.app.dataset, min(network.batch_size, len(self.app.dataset.x_train))
            self.query_one(InsideView).time_layers(network, data.x_train[:batch], data.y_train[:batch])

    # -- the Lesson tab (panes/lesson.py) ---------------------------------------------------------------
    def refresh_lesson(self) -> None:
        """The Lesson follows the network on screen when it is the Build tab's stack, else that stack, fresh."""
        view, data = self.query_one(LessonView), self.app.dataset
        spec, values, problems = self.current_spec()
        if data is None or problems:
            view.show_message(" · ".join(problems) or "The data is still loading…")
            if data is None:  # looks again soon, while the tab is on screen
                self.set_timer(0.5, lambda: self.query_one(TabbedContent).active == "lesson" and self.refresh_lesson())
            return
        network = lesson_network(self.network, spec.build(data.image_shape, **values), view.network)
        chosen = self.inside_source[1] if self.inside_source[0] == "test" else None  # the Digits tab's choice
        view.show(network, data, self.app.shows_grey, lambda: self.query_one(DrawView).prepared()[None], chosen)

    @on(LayerList.Changed)
    def stack_changed_under_the_lesson(self) -> None:
        if self.query_one(TabbedContent).active == "lesson":  # a preset loaded (1-4) while the Lesson is shown
            self.refresh_lesson()

    @on(LessonView.StepRequested)
    def take_lesson_step(self) -> None:
        if self.training:  # the weights belong to the run under way
            self.notify("Training is running: the Lesson's step waits until it ends (x stops it)", severity="warning")
            return
        self.query_one(LessonView).take_step()

    def action_layer_map(self) -> None:
        """The map of what a layer of the network on screen learned (an untrained one's before training)."""
        from .layer_map import LayerMapScreen

        if self.refuse_unless_images("layer map"):  # its points are digits, and a chosen one shows its image
            return
        network = self.network if self.network is not None else self._current_network()
        if network is not None:
            try:
                screen = LayerMapScreen(network, self.app.dataset, self.network is not None, self.app.shows_grey)
            except ValueError as error:  # a stack with no layer wider than 2 values
                self.notify(str(error), title="No map", severity="error")
                return
            self.app.push_screen(screen)

    # -- augmentation and robustness: each view lives in its own screen module ------------------------------
    def action_preview_augment(self) -> None:
        from .augment_preview import AugmentPreviewScreen

        values, _ = self.query_one(HyperparameterForm).values()
        if self.app.dataset is None:
            self.notify("The data is still loading", severity="warning")
            return
        if self.refuse_unless_images("augmentation preview"):
            return
        self.app.push_screen(AugmentPreviewScreen(self.app.dataset, values.get("augment") or "none",
                                                  values.get("seed")))

    def action_robustness(self) -> None:
        from .robustness import RobustnessScreen

        if self.network is None or self.app.dataset is None:
            self.notify("No network on screen: s trains the stack, L loads a model", severity="warning")
            return
        if self.refuse_unless_images("robustness view"):
            return
        self.app.push_screen(RobustnessScreen(self.network, self.app.dataset))
