"""The command palette's termnet commands (ctrl+p), read from the key bindings: a new key appears by itself.

Each binding of the app and of the dashboard screen becomes one command that runs the same action on the
same object as its key does. Its words come from the binding: a tab's name and TAB_HINTS, a preset's name
and its spec's description, or else the binding's tooltip (the longer explanation) or description.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import escape

from ..spec import SpecError, load_spec
from .hints import TAB_HINTS
from .screens.dashboard import DashboardScreen


@dataclass(frozen=True)
class Command:
    """One palette entry: what it says, and the action it runs on ``node``."""

    title: str
    help: str
    action: str
    node: DOMNode

    def available(self) -> bool:
        """Whether the key would act now (the node's check_action): the palette offers no more than the keys."""
        _, name, params = parse(self.action)
        return bool(self.node.check_action(name, params))


def key_text(app, binding: Binding) -> str:
    """A binding's keys as the footer writes them: ``?``, ``d / del``."""
    if binding.key_display:
        return binding.key_display
    return " / ".join(app.get_key_display(binding.with_key(key.strip())) for key in binding.key.split(","))


@cache
def preset_description(name: str) -> str:
    try:
        return load_spec(name).description
    except (SpecError, OSError, ValueError):  # a preset that cannot be read still gets its command
        return ""


def command(binding: Binding, node: DOMNode) -> Command:
    """The palette entry for ``binding``, whose action runs on ``node``."""
    _, name, params = parse(binding.action)
    key = f"key: {key_text(node.app, binding)}"
    if name == "tab" and params:
        title, explained = f"Show the {binding.description} tab", TAB_HINTS.get(params[0], "")
    elif name == "preset" and params:
        # the preset's own name ("cnn") is what a spec file or the command line calls it
        title, explained = f"Load preset {params[0]}", f"{binding.description}: {preset_description(params[0])}"
    else:
        title, explained = binding.tooltip or binding.description, binding.description if binding.tooltip else ""
    return Command(title, " · ".join(part for part in (explained, key) if part), binding.action, node)


def commands(screen) -> list[Command]:
    """Every termnet command for a palette opened over ``screen``: the dashboard's own when it is the
    dashboard (its keys act only there), then the app's."""
    app = screen.app
    sources = [(screen, type(screen).BINDINGS)] if isinstance(screen, DashboardScreen) else []
    sources.append((app, type(app).BINDINGS))
    return [command(binding, node) for node, bindings in sources for binding in bindings]


class TermnetCommands(Provider):
    """Every termnet action by name: train, stop, the presets, the tabs, files, checks, help, quit."""

    def _available(self) -> list[Command]:
        return [entry for entry in commands(self.screen) if entry.available()]

    def _run(self, entry: Command):
        return partial(self.app.run_action, entry.action, entry.node)

    async def discover(self) -> Hits:
        # what to do (train, presets, files) before where to look: the tabs are one key away
        for entry in sorted(self._available(), key=lambda entry: parse(entry.action)[1] == "tab"):
            yield DiscoveryHit(Content(entry.title), self._run(entry), text=entry.title, help=escape(entry.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._available():
            score, offsets = matcher.fuzzy_search.match(query, entry.title)
            if score > 0:
                # Between equal matches the one found nearer the title's start wins: people type the first
                # word of what they mean ("train" is training before it is the Train tab; "cnn" is the cnn
                # preset before article-cnn).
                score *= 1 + 0.01 / (1 + offsets[0])
                shown = Content(entry.title)  # plain text, not markup: a "[" in a tooltip stays a "["
                for offset in offsets:
                    shown = shown.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, shown, self._run(entry), text=entry.title, help=escape(entry.help))
