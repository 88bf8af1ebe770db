"""TermnetApp and make_app, the one factory the command line and the tests share."""

from __future__ import annotations

import os
from pathlib import Path

from textual import events, work
from textual.app import App
from textual.binding import Binding

from ..atomic import atomic_write
from ..data import Dataset, DatasetError, DownloadError, default_dataset, load_dataset
from ..engine.serialization import ModelFileError, load_model, save_model
from ..presets import fit_preset, stack_line
from ..provenance import model_metadata
from ..spec import PRESETS, Spec, SpecError, load_spec, spec_from_layers
from .commands import TermnetCommands
from .messages import DataRequested, DatasetFailed, DatasetLoaded, DownloadProgress, SpecRequested
from .pace import release_heap, settle_heap
from .screens.dashboard import DashboardScreen

DEFAULT_PRESET = "mlp"
PLANAR_PRESET = "playground"  # shown instead of the default for the 2-D data sets


class TermnetApp(App):
    """The termnet dashboard."""

    TITLE = "termnet"
    CSS_PATH = "termnet.tcss"
    COMMANDS = App.COMMANDS | {TermnetCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", tooltip="Show every key and what each tab shows"),
        Binding("f1", "explain", "Explain", show=False,
                tooltip="Explain what is focused (a layer, a setting, a chart, a tab): what it is and what to try"),
        Binding("q", "quit", "Quit", tooltip="Quit (asks first while training runs or the trained network is unsaved)"),
        Binding("S", "save_model", "Save model", show=False,
                tooltip="Save the trained network (its weights and settings) to a .termnet file"),
        Binding("L", "load_model", "Load model", show=False,
                tooltip="Load a .termnet (or .onnx) file: its stack, its weights and its results on the test set"),
        Binding("E", "export_onnx", "Export ONNX", show=False,
                tooltip="Write the trained network as an .onnx file, for ONNX Runtime, PyTorch and other frameworks"),
        Binding("W", "write_spec", "Write spec", show=False,
                tooltip="Write the stack and settings of the Build tab to a spec file (TOML)"),
        Binding("R", "read_spec", "Read spec", show=False, tooltip="Read a spec file (TOML) into the Build tab"),
        Binding("D", "download", "Download MNIST", show=False,
                tooltip="Download MNIST (70,000 digits of 28x28) and train on it instead of the 8x8 digits"),
    ]

    def __init__(self, dataset: Dataset | None = None, data_name: str | None = None, data_dir: str | None = None,
                 preset: str | None = DEFAULT_PRESET, planar=None):
        super().__init__()
        self.dataset, self.data_name, self.data_dir = dataset, data_name, data_dir
        self.planar = planar  # how a 2-D data set is drawn (PlanarOptions; None: the defaults)
        self.initial_spec = load_spec(preset) if preset else Spec("untitled", [], {})
        # the preset on screen, refitted to each dataset loaded (the 8x8 digits, then MNIST) until edited
        self.preset_on_screen: tuple[str, list] | None = (preset, self.initial_spec.layers) if preset else None
        self.saved_network = None  # the network last saved or loaded: quitting with another one asks first
        if "TEXTUAL_ANIMATIONS" not in os.environ:  # the user's own choice stands
            # no animations: the tab underline's 0.3 s slide redrew the screen ~18 times on each tab switch, each
            # frame taking the GIL from a run training meanwhile (and bytes over SSH); tabs switch at once instead
            self.animation_level = "none"

    async def action_quit(self) -> None:
        """Quit, asking first while training runs or when the trained network was never saved."""
        from .screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return  # already asking
        if self.dashboard.training:
            question = "Training is running: quit anyway? y/n"
        elif self.network is not None and self.network is not self.saved_network:
            question = "The trained network was never saved (S saves it): quit anyway? y/n"
        else:
            self.exit()
            return
        self.push_screen(ConfirmScreen(question), lambda yes: yes and self.exit())
    def notify(self, message, *args, timeout: float | None = None, **kwargs) -> None:
        super().notify(message, *args, timeout=timeout, **kwargs)
        # Seen in tmux at 80x24 (Textual 8.2.8): once a stack of toasts expires, the cells they covered keep
        # their text in a real terminal until something else redraws them (the pilot's screenshots are clean).
        # A full repaint after the last toast has gone clears them.
        seconds = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        self.set_timer(seconds + 0.5, self._repaint_after_toasts)

    def _repaint_after_toasts(self) -> None:
        if not self._notifications and self.screen_stack:
            self.screen.refresh(self.screen.region)

    @property
    def shows_grey(self) -> bool:
        """False in a monochrome terminal (NO_COLOR): digits are then drawn as on/off half blocks."""
        return "NO_COLOR" not in os.environ and self.console.color_system is not None

    @property
    def dashboard(self) -> DashboardScreen:
        return self.screen_stack[0]

    @property
    def network(self):
        """The network on the dashboard (the dashboard owns it): the last one trained or loaded."""
        return self.dashboard.network

    @property
    def evaluation(self):
        """The dashboard's results for its network on the test set."""
        return self.dashboard.evaluation

    def on_unmount(self) -> None:
        release_heap()  # what settle_heap and a run froze goes back to the collector with the app

    async def on_event(self, event) -> None:
        # A key still queued while the app closes finds no screen; Textual would raise ScreenStackError and
        # end with a traceback. Measured: the random-key test met it about one run in two.
        if isinstance(event, events.Key) and not self.screen_stack:
            return
        await super().on_event(event)

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen(self.initial_spec, self.dataset.image_shape if self.dataset else (1, 28, 28))

    def on_data_requested(self, message: DataRequested) -> None:
        """The dashboard is mounted: show the data, or start loading it."""
        if self.dataset is not None:
            self.post_message(DatasetLoaded(self.dataset))
        else:
            self._status("Loading data…")
            self.load_data(default_dataset(self.data_name, self.data_dir), explicit=bool(self.data_name))

    def _status(self, text: str) -> None:
        """The data on hand (or its loading) beside the title in the header: ``termnet — digits · ...``."""
        self.dashboard.sub_title = text

    # -- data ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="data", description="loading data", exit_on_error=False)
    def load_data(self, name: str, explicit: bool = True) -> None:
        def progress(file_name, done, total):
            self.post_message(DownloadProgress(file_name, done, total))

        try:
            dataset = load_dataset(name, data_dir=self.data_dir, progress=progress, planar=self.planar)
        except (DatasetError, DownloadError, OSError, ValueError) as error:
            self.post_message(DatasetFailed(str(error), {"name": name}))
            return
        self.post_message(DatasetLoaded(dataset))

    def on_dataset_loaded(self, message: DatasetLoaded) -> None:
        self.dataset = message.dataset
        data = message.dataset
        # the files' descriptions end with where they came from: "from DIR", "from the cache DIR", ...
        where = "D downloads MNIST" if data.name == "digits" else data.description.split(", ")[-1]
        size = f"{data.image_shape[1]}x{data.image_shape[2]}" if data.is_images else "2-D points"
        self._status(f"{data.name} · {len(data.x_train):,} train · {len(data.x_test):,} test · {size} · {where}")
        self.dashboard.show_data(data)
        preset = self.preset_on_screen
        if preset and self.dashboard.query_one("#layers").stack == preset[1]:  # a preset, not edited since
            # the playground's preset is for 2-D points, the others for images: each data gets one that fits
            name = preset[0] if (preset[0] == PLANAR_PRESET) != data.is_images else (
                DEFAULT_PRESET if data.is_images else PLANAR_PRESET)
            self.show_preset(name, data.image_shape)
        else:
            self.dashboard.show_spec(self.dashboard.spec, data.image_shape)
        self.call_after_refresh(settle_heap)  # a quiet moment: later collections skip what exists now

    def on_dataset_failed(self, message: DatasetFailed) -> None:
        self.notify(message.reason, title="No data", severity="error", timeout=15)
        if self.dataset is None:  # nothing at hand yet: fall back on the bundled digits
            self.load_data("digits")
        else:
            self._status(f"{self.dataset.description} (MNIST download failed: still on {self.dataset.name})")

    def on_download_progress(self, message: DownloadProgress) -> None:
        share = f"{message.done / message.total:.0%}" if message.total else f"{message.done:,} bytes"
        self._status(f"Downloading {message.file_name}: {share}")

    def _busy_training(self) -> bool:
        """Data and models stay as they are while a run trains on them."""
        if self.dashboard.training:
            self.notify("Wait until training ends (or stop it with x)", severity="warning")
            return True
        return False

    def action_download(self) -> None:
        if self._busy_training():
            return
        if self.dataset is not None and self.dataset.name == "mnist":
            self.notify("MNIST is already loaded")
            return
        self._status("Downloading MNIST…")
        self.load_data("mnist")

    # -- specs and models --------------------------------------------------------------
    def on_spec_requested(self, message: SpecRequested) -> None:
        self.load_spec_into_dashboard(message.name)

    def show_preset(self, name: str, shape: tuple[int, ...]) -> str:
        """Show the preset fitted to images of ``shape`` (optional layers left out where maps are too small)
        and return what was left out ("" if nothing); raises SpecError, saying why, when it cannot fit."""
        spec, note = fit_preset(name, shape)
        self.dashboard.show_spec(spec, shape)
        self.preset_on_screen = (name, spec.layers)
        return note

    def load_spec_into_dashboard(self, name_or_path: str) -> None:
        if self._busy_training():
            return
        shape = self.dataset.image_shape if self.dataset else self.dashboard.image_shape
        try:
            if name_or_path in PRESETS:
                note = self.show_preset(name_or_path, shape)
                spec = self.dashboard.spec
                lines = [spec.description, stack_line(spec, shape)] + [note] * bool(note)
                self.notify("\n".join(lines), title=f"Loaded {spec.name}", markup=False)
                return
            spec = load_spec(name_or_path)
            self.dashboard.show_spec(spec, shape)
            self.preset_on_screen = None
        except (SpecError, ValueError, OSError, UnicodeDecodeError, KeyError, TypeError, RecursionError) as error:
            # a model file, a spec with a missing size, a broken one: a message, and the stack on screen stays
            self.notify(f"{name_or_path}: {error}", title="Cannot read spec", severity="error", timeout=10,
                        markup=False)  # a path may hold "[...]", which markup would eat or choke on
            return
        self.notify(f"Read {name_or_path}: {spec.description or spec.name}", title=f"Loaded {spec.name}",
                    markup=False)

    def action_explain(self) -> None:
        from .explain import explanation

        title, text = explanation(self.focused)
        self.notify(text, title=title, timeout=20)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    picker_folder: Path | None = None  # the folder of the last file chosen: the next file dialog opens there

    def _ask(self, title: str, default: str, then, saving: bool, also: tuple[str, ...] = ()) -> None:
        """Open the file dialog on the last folder used (else the current one); ``then(full path)`` if chosen;
        it lists the files with ``default``'s suffix and those in ``also``."""
        from .screens.file_picker import FilePickerScreen

        def chosen(path: str | None) -> None:
            if path:
                self.picker_folder = Path(path).parent
                then(path)

        folder = self.picker_folder if self.picker_folder and self.picker_folder.is_dir() else None
        self.push_screen(FilePickerScreen(title, default, folder, saving, also), chosen)

    def action_save_model(self) -> None:
        if self.network is None:
            self.notify("Train or load a model first", severity="warning")
            return
        self._ask("Save the model to a .termnet file", "model.termnet", self._save_model, saving=True)

    def _writable(self, path: str, then) -> None:
        """Call ``then(full path)`` once ``path`` is known to be a file in an existing folder, asking first
        before an existing file is overwritten; else say why not (a folder, a missing folder), naming it."""
        from .screens.confirm import ConfirmScreen

        target = Path(path).expanduser().absolute()
        if target.is_dir():
            self.notify(f"{target} is a folder: give a file name", title="Not written", severity="error", timeout=10,
                        markup=False)
        elif not target.parent.is_dir():
            self.notify(f"The folder {target.parent} does not exist: create it first, or choose another",
                        title="Not written", severity="error", timeout=10, markup=False)
        elif target.exists() or target.is_symlink():
            self.push_screen(ConfirmScreen(f"{target} exists: overwrite it? y/n"),
                             lambda yes: yes and then(str(target)))
        else:
            then(str(target))

    def _save_model(self, path: str) -> None:
        self._writable(path, self._save_model_to)

    def _save_model_to(self, path: str) -> None:
        data, network, trained = self.dataset, self.network, self.dashboard.trained_with
        # the same metadata as `termnet train --save`: `termnet train --resume` then finds the data again and
        # augments as this network was (how it was trained, not what the form says now)
        metadata = model_metadata(data, self.dashboard.spec.name, trained["train_size"], self.data_dir,
                                  trained["augment"])
        try:
            save_model(network, path, metadata)
        except (OSError, ValueError) as error:
            self.notify(f"{path}: {error}", title="Not saved", severity="error", timeout=10, markup=False)
            return
        self.saved_network = network
        self.notify(f"Saved {path}", markup=False)

    def action_load_model(self) -> None:
        if not self._busy_training():
            self._ask("Load a model from a .termnet or .onnx file", "model.termnet", self._load_model, saving=False,
                      also=(".onnx",))

    def load_model_file(self, path: str) -> None:
        """Show a saved model in the Build tab and its results (a sweep's best trial, say), as L does."""
        self._load_model(path)

    def _load_model(self, path: str) -> None:
        if self._busy_training():
            return
        path = Path(path).expanduser().absolute()  # every message names the file in full
        if path.is_dir():
            self.notify(f"{path} is a folder: choose a model file", title="Cannot load model", severity="error",
                        timeout=10, markup=False)
            return
        try:
            network, metadata = read_onnx_model(path) if path.suffix.lower() == ".onnx" else load_model(path)
        except (ModelFileError, ValueError, OSError) as error:  # an ONNXFileError, or no onnx package, too
            self.notify(str(error), title="Cannot load model", severity="error", timeout=10, markup=False)
            return
        if self.dataset is None or tuple(network.input_shape) != self.dataset.image_shape:
            have = self.dataset.image_shape if self.dataset else "nothing loaded"
            self.notify(f"{path} takes images of shape {tuple(network.input_shape)}; the data has {have}",
                        title="Cannot use this model here", severity="error", timeout=10, markup=False)
            return
        training = {"learning_rate": network.learning_rate, "epochs": network.epochs,
                    "batch_size": network.batch_size, "optimizer": network.optimizer.name,
                    "loss": network.loss.name if network.loss else "mse", "schedule": network.schedule or "constant",
                    "validation_split": network.validation_split or 0.0}
        trained_with = self.dashboard.how_trained(metadata)  # a file's augmentation goes on with C as with --resume
        training["augment"] = trained_with["augment"]
        self.dashboard.show_spec(spec_from_layers(path.stem, network.layers, training), self.dataset.image_shape)
        result = self.dashboard.show_results(network, network.predict(self.dataset.x_test))
        self.dashboard.trained_with = trained_with
        self.dashboard.record_run(network, result.accuracy, name=path.name)
        self.saved_network = network  # it is in a file already: quitting loses nothing
        trained = "read from ONNX" if path.suffix.lower() == ".onnx" else f"trained {network.epochs_trained} epoch(s)"
        self.notify(f"Loaded {path}: {trained}; see c, g and r", markup=False)

    def action_export_onnx(self) -> None:
        if self._busy_training():  # the weights change under a running fit: export them once it stops
            return
        if self.network is None:
            self.notify("Train or load a model first", severity="warning")
            return
        self._ask("Export the model to an .onnx file", "model.onnx",
                  lambda path: self._writable(path, self._export_onnx), saving=True)

    def _export_onnx(self, path: str) -> None:
        from ..onnx.export import export_onnx

        try:
            export_onnx(self.network, path)
        except (OSError, ValueError) as error:  # no onnx package says what to install
            self.notify(f"{path}: {error}", title="Not exported", severity="error", timeout=10, markup=False)
            return
        self.notify(f"Exported {path}: input 'input', output 'output'", markup=False)

    def action_write_spec(self) -> None:
        self._ask("Write the spec to a .toml file", "spec.toml", self._write_spec, saving=True)

    def _write_spec(self, path: str) -> None:
        self._writable(path, self._write_spec_to)

    def _write_spec_to(self, path: str) -> None:
        spec, _, problems = self.dashboard.current_spec()
        if problems and not spec.layers:
            self.notify("\n".join(problems), severity="error")
            return
        try:
            atomic_write(path, spec.to_toml())
        except OSError as error:
            self.notify(f"{path}: {error}", title="Not written", severity="error", timeout=10, markup=False)
            return
        self.notify(f"Wrote {path}", markup=False)

    def action_read_spec(self) -> None:
        if self._busy_training():
            return
        self._ask("Read a spec from a .toml file", "spec.toml", self._read_spec, saving=False)

    def _read_spec(self, path: str) -> None:
        path = Path(path).expanduser().absolute()
        if path.is_dir():
            self.notify(f"{path} is a folder: choose a spec file", title="Cannot read spec", severity="error",
                        timeout=10, markup=False)
        else:
            self.load_spec_into_dashboard(str(path))


def read_onnx_model(path: Path) -> tuple:
    """An ONNX file's network and the metadata a model file would have (none): what load_model gives."""
    from ..onnx.importer import read_onnx

    return read_onnx(path), {}


def make_app(dataset: Dataset | None = None, data_name: str | None = None, data_dir: str | None = None,
             preset: str | None = DEFAULT_PRESET, planar=None) -> TermnetApp:
    """Build the dashboard: the command line passes names, tests pass a small Dataset directly."""
    return TermnetApp(dataset=dataset, data_name=data_name, data_dir=data_dir, preset=preset, planar=planar)

