"""FilePickerScreen: choose a file to save to or load from; dismisses with its full path or None.

The dialog shows the folder it is in as a full path, that folder's subfolders and the files of the kind
asked for (the default name's suffix: ``.termnet`` models, ``.toml`` specs, and any others the caller adds, such as
``.onnx`` beside models to load), and a name field. A name is
read against the folder shown, not against the directory termnet was started in.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label
from textual.widgets.tree import TreeNode


class FileTree(DirectoryTree):
    """A folder's subfolders and its files with the suffixes given; the first line, "..", goes up a folder.

    Hidden entries (a name starting with ".") are left out: they are caches and half-written temporaries.
    Folders end with "/" instead of carrying emoji icons, which some terminals draw two cells wide."""

    ICON_NODE = ICON_NODE_EXPANDED = ICON_FILE = ""

    def __init__(self, path: Path, suffixes: Iterable[str], **kwargs):
        super().__init__(path, **kwargs)
        self.suffixes = {suffix.lower() for suffix in suffixes}
        self.auto_expand = False  # a folder chosen becomes the folder shown, it does not unfold in place

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [path for path in paths if not path.name.startswith(".")
                and (self._safe_is_dir(path) or path.suffix.lower() in self.suffixes)]

    def render_label(self, node: TreeNode, base_style: Style, style: Style) -> Text:
        if node is self.root:
            return Text.assemble(("..", style), (" up a folder", base_style + Style(dim=True)))
        label = super().render_label(node, base_style, style)
        if node.allow_expand:
            label.append("/")
        return label


class FilePickerScreen(ModalScreen[str | None]):
    """Args: title (what the file is for), default (the name offered; its suffix picks the files listed),
    folder (where to start), saving (True: choosing a file in the list only fills the name, so that
    overwriting it takes one more enter; False: choosing a file accepts it), also (more suffixes to list)."""

    DEFAULT_CSS = """
    FilePickerScreen { align: center middle; }
    FilePickerScreen > Vertical { width: 90%; max-width: 100; height: 90%; max-height: 32;
                                  border: thick $primary; background: $surface; padding: 0 1; }
    FilePickerScreen Label { width: 100%; }  /* a long path or the keys wrap instead of being cut */
    FilePickerScreen #picker-title { text-style: bold; }
    FilePickerScreen #picker-folder { color: $text-muted; }
    FilePickerScreen FileTree { height: 1fr; min-height: 3; }
    FilePickerScreen #picker-keys { color: $text-muted; }
    """
    # backspace reaches the screen only from the list: in the name field it deletes a character
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("backspace", "up", "Up a folder")]

    folder: reactive[Path] = reactive(Path, init=False)

    def __init__(self, title: str, default: str, folder: str | Path | None = None, saving: bool = True,
                 also: tuple[str, ...] = ()):
        super().__init__()
        self.title_text, self.default, self.saving = title, default, saving
        self.suffixes = (Path(default).suffix, *also)
        if folder is None:
            try:
                folder = Path.cwd()
            except OSError:  # the folder termnet was started in has been deleted since
                folder = Path.home()
        self.set_reactive(FilePickerScreen.folder, Path(folder).expanduser().resolve())

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="picker-title", markup=False)
            yield Label(self._folder_line(), id="picker-folder", markup=False)
            yield FileTree(self.folder, self.suffixes, id="picker-tree")
            yield Input(self.default, id="path", placeholder="a file name, or a folder to go into")
            yield Label("enter: accept · escape: cancel · tab: list / name · backspace or ..: up", id="picker-keys")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def _folder_line(self) -> str:
        return f"In {self.folder}"

    def watch_folder(self, folder: Path) -> None:
        self.query_one("#picker-folder", Label).update(self._folder_line())
        self.query_one(FileTree).path = folder

    def _go_into(self, folder: Path) -> None:
        try:
            self.folder = folder.resolve()  # the real path, without ".." or links, is the one shown
        except (OSError, RuntimeError):  # a loop of links
            self.notify(f"{folder}: cannot open this folder", severity="error", markup=False)

    def action_up(self) -> None:
        self._go_into(self.folder.parent)

    def _full_path(self, text: str) -> Path:
        """``text`` read against the folder shown; an existing folder in it is written out as its real path."""
        path = self.folder / Path(text).expanduser()
        try:
            return path.parent.resolve(strict=True) / path.name if path.name not in ("", "..") else path.resolve()
        except (OSError, RuntimeError):  # a folder that does not exist: the caller's message names it as given
            return path

    answered = False  # keys queued behind the first answer (a second enter) must not dismiss it twice

    def _answer(self, path: str | None) -> None:
        if not self.answered:
            self.answered = True
            self.dismiss(path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        path = self._full_path(text)
        if path.is_dir():  # a folder typed in: go into it, and offer the default name there
            self._go_into(path)
            self._offer(self.default)
        else:
            self._answer(str(path))

    def on_directory_tree_directory_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        event.stop()
        if event.node is event.control.root:
            self.action_up()
        else:
            self._go_into(event.path)

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        if not self.saving:
            self._answer(str(self._full_path(str(event.path))))
            return
        self._offer(str(event.path.relative_to(self.folder)) if event.path.is_relative_to(self.folder)
                    else str(event.path))
        self.query_one("#path", Input).focus()

    def _offer(self, name: str) -> None:
        """Put ``name`` in the name field, the cursor after it (where typing goes on, and ctrl+u clears)."""
        field = self.query_one("#path", Input)
        field.value, field.cursor_position = name, len(name)

    def action_cancel(self) -> None:
        self._answer(None)
