"""RobustnessScreen (the u key): the network's test accuracy as the test digits are rotated, shifted, made noisy,
thinner or thicker, a curve per damage, and a gallery of the damaged digits it gets wrong at a chosen level.

The curves take a few seconds on MNIST, so a thread worker computes them (termnet/robustness.py) and the
screen draws them when they arrive; the gallery is recomputed for each level chosen, on the same images.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from ...robustness import DAMAGES, level_text, robustness_curves, wrong_under_damage
from ..widgets.digit_strip import digit_strip

SAMPLES = 1000  # test images damaged per level: a curve in seconds, to within a few points
GALLERY = 8  # wrong digits shown: eight 14-column digits fit across 120 columns
CHOOSE_LEVEL = "Choose the damage level whose misread digits the gallery shows"
CHOOSE_DAMAGE = "Choose the damage whose misread digits the gallery shows"


class RobustnessScreen(Screen):
    """Four curves, then the gallery of the wrong digits for one damage at one level (arrows choose them)."""

    DEFAULT_CSS = """
    RobustnessScreen > VerticalScroll { scrollbar-gutter: stable; }  /* the plots' width never waits on the bar */
    RobustnessScreen #curves { grid-size: 2; grid-rows: 11; height: auto; }
    RobustnessScreen PlotextPlot { height: 11; }
    RobustnessScreen #status, RobustnessScreen #gallery-title { height: auto; padding: 0 1; }
    RobustnessScreen #gallery { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,u", "close", "Back", tooltip="Back to the dashboard"),
        Binding("left", "level(-1)", "Level −", tooltip=CHOOSE_LEVEL),
        Binding("right", "level(1)", "Level +", tooltip=CHOOSE_LEVEL),
        Binding("up", "damage(-1)", "Damage ↑", show=False, tooltip=CHOOSE_DAMAGE),
        Binding("down", "damage(1)", "Damage ↓", tooltip=CHOOSE_DAMAGE),
    ]

    def __init__(self, network, dataset, samples: int = SAMPLES):
        super().__init__()
        self.network, self.dataset = network, dataset
        self.samples = min(samples, len(dataset.x_test))
        self.curves: dict | None = None
        self.damage = 0  # the index in DAMAGES of the gallery's damage
        self.levels = {name: len(d.levels) - 1 for name, d in DAMAGES.items()}  # the most damaged level of each

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"Robustness: measuring accuracy on {self.samples:,} damaged test images…", id="status")
            with Grid(id="curves"):
                for name in DAMAGES:
                    yield PlotextPlot(id=f"curve-{name}")
            yield Static("", id="gallery-title")
            yield Static("", id="gallery")
        yield Footer()

    def on_mount(self) -> None:
        self.measure()

    @work(thread=True, exclusive=True, group="robustness", exit_on_error=False)
    def measure(self) -> None:
        curves = robustness_curves(self.network, self.dataset.x_test, self.dataset.y_test, samples=self.samples)
        self.app.call_from_thread(self.show_curves, curves)

    def show_curves(self, curves: dict) -> None:
        if not self.is_attached:  # closed while the curves were measured
            return
        self.curves = curves
        undamaged = next(iter(curves.values()))
        clean = undamaged.accuracies[undamaged.levels.index(0)]
        self.query_one("#status", Static).update(
            f"Test accuracy as each damage grows, on {self.samples:,} test images ({clean:.1%} undamaged); "
            f"← → choose a level, ↓ a damage")
        for name, curve in curves.items():
            plot = self.query_one(f"#curve-{name}", PlotextPlot)
            plt = plot.plt
            plt.clear_figure()
            plt.plot(list(curve.levels), [100 * a for a in curve.accuracies], marker="dot")
            plt.title(curve.damage.label)
            plt.ylim(0, 100)
            # bare numbers (the title gives the unit): labels of five characters crowd a 33-column plot
            plt.xticks(list(curve.levels), [f"{level:g}" for level in curve.levels])
            plot.refresh()
        self.show_gallery()

    def show_gallery(self) -> None:
        if self.curves is None:
            return
        damage = list(DAMAGES.values())[self.damage]
        level = damage.levels[self.levels[damage.name]]
        accuracy = self.curves[damage.name].accuracies[self.levels[damage.name]]
        images, labels, predicted, _ = wrong_under_damage(self.network, self.dataset.x_test, self.dataset.y_test,
                                                          damage, level, GALLERY, self.samples)
        names = self.dataset.class_names
        self.query_one("#gallery-title", Static).update(Text.assemble(
            ("Misread under ", "bold"), (f"{damage.name} {level_text(damage, level)}", "bold"),
            f": accuracy {accuracy:.1%}" + ("; every digit shown is read right" if not len(images) else
                                            f"; the first {len(images)} wrong, true→predicted")))
        captions = [f"{names[t]}→{names[p]}" for t, p in zip(labels, predicted)]
        self.query_one("#gallery", Static).update(Group(digit_strip(images, captions)) if len(images) else "")

    def action_level(self, step: int) -> None:
        damage = list(DAMAGES.values())[self.damage]
        self.levels[damage.name] = max(0, min(len(damage.levels) - 1, self.levels[damage.name] + step))
        self.show_gallery()

    def action_damage(self, step: int) -> None:
        self.damage = (self.damage + step) % len(DAMAGES)
        self.show_gallery()

    def action_close(self) -> None:
        self.app.pop_screen()
