"""LessonView: ride along with one sample, forward through every layer and its error back, a step per key.

The course is computed by ``termnet.lesson.course`` on a copy of the network (browsing never changes it);
this view draws a step at a time: numbers where they fit (the same value lines the command line prints),
pictures and summaries where they do not. Enter asks the dashboard to take the step for real.
"""

from __future__ import annotations

import math

import numpy as np
from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ...display import digit_text
from ...lesson.course import Course, course, take_step
from ...lesson.text import FULL, squeezed, summary_line, value_lines
from ..training import same_stack
from .inside import image_rows, normalised

PLAY_SECONDS = 1.5  # between the steps of the course played by itself
SHOWN_MAPS = 8  # feature maps and filters drawn per array
HEAT_COLUMNS, HEAT_ROWS = 64, 32  # the largest heat map, in pixels (two rows to a line)
SAMPLE = "Choose the sample"
STEPPING = "Move through the course"


def lesson_network(trained, stack, kept):
    """The network the Lesson follows: the one trained (or loaded) when it is the stack on the Build tab, else
    the one the Lesson kept from before for that stack (steps taken on it stay), else the stack, freshly built."""
    for candidate in (trained, kept):
        if candidate is not None and same_stack(candidate.layers, stack.layers):
            return candidate
    return stack.build()


def block_means(values: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """``values`` made smaller: each pixel the mean of a block of ``rows`` x ``columns`` (edges padded with
    the middle grey of a heat map)."""
    height, width = -(-values.shape[0] // rows) * rows, -(-values.shape[1] // columns) * columns
    padded = np.full((height, width), 0.5)
    padded[:values.shape[0], :values.shape[1]] = values
    return padded.reshape(height // rows, rows, width // columns, columns).mean(axis=(1, 3))


def heat(values: np.ndarray) -> np.ndarray:
    """Signed values as greys around a middle grey for 0: dark negative, light positive."""
    peak = float(np.abs(values).max()) or 1.0
    return values / (2 * peak) + 0.5


class LessonView(VerticalScroll, can_focus=True):
    """The course of one sample: a status line, then the step on screen."""

    DEFAULT_CSS = """
    LessonView { height: 1fr; padding: 0 1; }
    LessonView #lesson-status { dock: top; background: $boost; }
    LessonView:focus #lesson-status { background: $accent 30%; }
    """
    BINDINGS = [
        Binding("right", "move(1)", "Next step", tooltip="The next step of the course"),
        Binding("left", "move(-1)", "Previous step", show=False, tooltip="The step before"),
        Binding("home", "go(0)", "First step", show=False, tooltip="Back to the input (point A)"),
        Binding("end", "go(-1)", "Last step", show=False, tooltip="The last step: the loss before and after"),
        Binding("space", "play", "Play", tooltip=f"Play the course, a step every {PLAY_SECONDS:g} s; space pauses"),
        Binding("enter", "take_step", "Take step",
                tooltip="Take this step for real: the network on screen learns from this one sample"),
        Binding("left_square_bracket", "sample(-1)", "Previous image", show=False, group=Binding.Group(SAMPLE),
                tooltip="Follow the test image before this one"),
        Binding("right_square_bracket", "sample(1)", "Next image", show=False, group=Binding.Group(SAMPLE),
                tooltip="Follow the next test image"),
        Binding("n", "random_sample", "Random image", show=False, tooltip="Follow a test image chosen at random"),
        Binding("d", "drawn_sample", "Drawn digit", show=False,
                tooltip="Follow the digit drawn on the Draw tab (its class: the network's guess, or 0-9)"),
    ] + [Binding(str(d), f"drawn_class({d})", f"Drawing is {d}", show=False,
                 tooltip="Say which digit the drawing is: the error is measured against it") for d in range(10)]

    class StepRequested(Message):
        """Enter: take the step for real (the dashboard refuses while a run trains)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.network = None  # the network followed (the dashboard's, when it is the stack on screen)
        self.dataset = None
        self.drawn = None  # a callable giving the digit drawn on the Draw tab, (1, H, W)
        self.source: tuple = ("test", 0)
        self.lesson: Course | None = None
        self.position = 0
        self.color = True
        self.taken: list[tuple[float, float]] = []  # the real steps' losses before and after, on this sample
        self.chosen = None  # the test image last chosen on the Digits tab, followed when it changes
        self._timer = None

    def compose(self):
        yield Static("Lesson: train or build a stack, then press l to follow one digit through it.",
                     id="lesson-status")
        yield Static("", id="lesson-step")

    # -- what the dashboard calls ---------------------------------------------------------------
    def show(self, network, dataset, color: bool = True, drawn=None, chosen: int | None = None) -> None:
        """Follow ``network`` (the dashboard's, or one the Lesson keeps) on ``dataset``'s sample: the one followed
        before, or test image ``chosen`` when it is a new choice (the Digits tab's)."""
        if network is not self.network or dataset is not self.dataset:
            self.taken = []
        if chosen is not None and chosen != self.chosen:
            self.source, self.taken = ("test", chosen), []
        self.network, self.dataset, self.color, self.drawn, self.chosen = network, dataset, color, drawn, chosen
        self.recompute()

    def show_message(self, text: str) -> None:
        self.lesson = None
        self.query_one("#lesson-status", Static).update(Text(text, style="bold"))
        self.query_one("#lesson-step", Static).update("")

    def take_step(self) -> None:
        """The step for real, on the network followed: its weights change as fit's would on this sample."""
        if self.lesson is None:
            return
        x, label, _ = self.sample()
        try:
            before, after = take_step(self.network, x, label)
        except (ValueError, ArithmeticError) as error:  # shown, never a traceback: the app goes on
            self.notify(f"The step could not be taken: {error}", severity="error")
            return
        self.taken.append((before, after))
        self.notify(f"Step taken: this sample's loss {before:.4f} → {after:.4f}", title="Lesson")
        self.recompute()

    # -- the sample and the course ----------------------------------------------------------------
    def sample(self) -> tuple[np.ndarray, int, str]:
        """The sample followed, its true class and its name."""
        data = self.dataset
        if self.source[0] == "drawn" and self.drawn is not None:
            label = self.source[1]
            return self.drawn(), label, f"your drawing (taken as a {data.class_names[label]})"
        index = self.source[1] % len(data.x_test)
        return data.x_test[index], int(data.y_test[index]), f"test image {index}"

    def recompute(self) -> None:
        if self.network is None or self.dataset is None:
            return
        x, label, name = self.sample()
        try:
            self.lesson = course(self.network, x, label, name)
        except ValueError as error:  # a drawing of the wrong size, a network without a loss
            self.show_message(f"The Lesson cannot follow this sample: {error}")
            return
        self.position = min(self.position, len(self.lesson.steps) - 1)
        self.render_step()
        self.call_after_refresh(self.render_step)  # again at the width the layout gives, on a first showing

    def on_resize(self) -> None:
        if self.lesson is not None:
            self.render_step()

    # -- drawing a step ---------------------------------------------------------------------------
    def render_step(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        step = lesson.steps[self.position]
        name = self.sample()[2]
        status = Text.assemble(
            (f"{name}, true {lesson.label}", "bold"), f" · step {self.position + 1}/{len(lesson.steps)}",
            f" · loss {lesson.loss_before:.4f}, after the step {lesson.loss_after:.4f}")
        if self.taken:
            status.append(f"\n{len(self.taken)} real step(s) on this sample: loss {self.taken[0][0]:.4f} → "
                          f"{self.taken[-1][1]:.4f}", style="green")
        self.query_one("#lesson-status", Static).update(status)
        parts = [Text(step.title, style="bold"), Text(step.formula, style="cyan"), Text(step.explanation),
                 Text("")]
        for label, array in step.arrays:
            parts += self.array_parts(label, array)
        self.query_one("#lesson-step", Static).update(Group(*parts))

    def _width(self) -> int:
        return max(40, self.content_size.width - 2)

    def array_parts(self, label: str, array: np.ndarray) -> list:
        """Every value of a small array; a summary and a picture of a large one."""
        values = squeezed(np.asarray(array, dtype=np.float64))
        shape = "(" + ",".join(str(d) for d in array.shape) + ")"
        if values.size <= FULL:
            return [Text(f"{label} {shape}:", style="bold"), Text("\n".join(value_lines(array, self._width())))]
        parts = [Text(f"{label}: ", style="bold") + Text(summary_line(array))]
        picture = self.picture(values, signed=label.startswith("dE/") or "change" in label)
        if picture is not None:
            parts.append(picture)
        return parts

    def picture(self, values: np.ndarray, signed: bool = False):
        """Errors and changes as heat maps on one scale around grey 0; values each map on its own scale."""
        width = self._width()
        if values.ndim == 3:  # maps (channels, height, width)
            maps = list(heat(values[:SHOWN_MAPS])) if signed else [normalised(m) for m in values[:SHOWN_MAPS]]
            scale = "dark negative, grey 0, light positive" if signed else "dark: lowest, light: highest"
            captions = [f"map {i}" for i in range(len(maps))] if len(maps) > 1 else [f"({scale})"]
            return image_rows(maps, captions, self.color, width)
        if values.ndim == 4:  # filters (depth, channels, k, k): averaged over the channels, enlarged
            kernels = values[:SHOWN_MAPS].mean(axis=1)
            scale = max(1, 6 // kernels.shape[-1])
            filters = [np.kron(heat(k), np.ones((scale, scale))) for k in kernels]
            return image_rows(filters, [f"#{i}" for i in range(len(filters))], self.color, width)
        caption = "heat map: dark negative, grey 0, light positive"
        if values.ndim == 1:  # a long vector as rows of 50
            values = np.pad(values, (0, -len(values) % 50)).reshape(-1, 50)
        elif values.shape[0] > values.shape[1]:  # a weight matrix (inputs, outputs) lies on its side: wider
            values, caption = values.T, caption + "; a row per output, a column per input"
        down = (math.ceil(values.shape[0] / HEAT_ROWS), math.ceil(values.shape[1] / min(HEAT_COLUMNS, width)))
        if down != (1, 1):
            caption += f"; a pixel is the mean of {down[0]}x{down[1]} values"
        return Group(Text(caption, style="dim"), digit_text(block_means(heat(values), *down), color=self.color))

    # -- keys -------------------------------------------------------------------------------------
    def action_move(self, by: int) -> None:
        if self.lesson is not None:
            self.action_go(max(0, min(len(self.lesson.steps) - 1, self.position + by)))

    def action_go(self, position: int) -> None:
        if self.lesson is None:
            return
        self.position = position % len(self.lesson.steps)
        self.scroll_home(animate=False)
        self.render_step()

    def action_play(self) -> None:
        if self._timer is not None:
            self._stop_playing()
            return
        if self.lesson is None:
            return
        if self.position == len(self.lesson.steps) - 1:
            self.action_go(0)
        self._timer = self.set_interval(PLAY_SECONDS, self._play_one)

    def _play_one(self) -> None:
        if self.lesson is None or self.position >= len(self.lesson.steps) - 1:
            self._stop_playing()
            return
        self.action_move(1)

    def _stop_playing(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def action_take_step(self) -> None:
        if self.lesson is not None:
            self.post_message(self.StepRequested())

    def action_sample(self, by: int) -> None:
        if self.dataset is not None:
            index = self.source[1] if self.source[0] == "test" else 0
            self._follow(("test", (index + by) % len(self.dataset.x_test)))

    def action_random_sample(self) -> None:
        if self.dataset is not None:
            self._follow(("test", int(np.random.default_rng().integers(len(self.dataset.x_test)))))

    def action_drawn_sample(self) -> None:
        if self.drawn is None or self.network is None:
            return
        # the drawing has no true class: the network's own guess stands in for it
        guess = int(self.network.predict(self.drawn()[None])[0].argmax())
        self._follow(("drawn", guess))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # 0-9 name the drawing's digit only while the drawing is followed; otherwise they are the dashboard's
        # (1-4: the presets)
        if action == "drawn_class":
            return self.source[0] == "drawn"
        return True

    def action_drawn_class(self, label: int) -> None:
        if self.source[0] == "drawn" and self.dataset is not None and label < len(self.dataset.class_names):
            self._follow(("drawn", label))

    def _follow(self, source: tuple) -> None:
        if source != self.source:
            self.taken = []
        self.source = source
        self.recompute()
