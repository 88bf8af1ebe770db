"""The command palette (ctrl+p) offers every termnet key by name, and running an entry does what the key does."""

from textual.actions import parse
from textual.command import CommandList, CommandPalette
from textual.widgets import TabbedContent

from termnet.app import TermnetApp, make_app
from termnet.app.commands import TermnetCommands, commands
from termnet.app.hints import TAB_HINTS
from termnet.app.screens.dashboard import DashboardScreen

from .pilot import SIZE, wait_until


async def search(pilot, query: str) -> list[tuple[str, str]]:
    """Open the palette, type ``query``, and return its entries, best first, as (title, help)."""
    await pilot.press("ctrl+p")
    await pilot.press(*query)
    await pilot.app.workers.wait_for_complete()  # the palette gathers its hits in a worker
    await pilot.pause()
    options = pilot.app.screen.query_one(CommandList)
    hits = [options.get_option_at_index(i).hit for i in range(options.option_count)]
    return [(hit.text, hit.help or "") for hit in hits]


async def test_conf_finds_the_confusion_tab_and_running_it_switches_tabs(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        hits = await search(pilot, "conf")
        assert hits[0] == ("Show the Confusion tab", f"{TAB_HINTS['confusion']} · key: c")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        assert app.dashboard.query_one(TabbedContent).active == "confusion"
        assert app.focused.id == "confusion-view"  # as after the key c: the tab's view has focus


async def test_a_preset_by_its_name_loads_it(digits):
    for query in ("preset cnn", "cnn"):
        app = make_app(dataset=digits, preset="mlp")
        async with app.run_test(size=SIZE) as pilot:
            hits = await search(pilot, query)
            title, help_text = hits[0]
            assert title == "Load preset cnn", query  # not article-cnn, which matches as well
            assert help_text.startswith("CNN: Small CNN") and help_text.endswith("key: 4")
            await pilot.press("enter")
            await pilot.pause()
            assert app.dashboard.spec.name == "cnn"


async def test_train_starts_training(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        hits = await search(pilot, "train")
        assert hits[0][1].endswith("key: s")  # training first, the Train tab after it
        assert any(title == "Show the Train tab" for title, _ in hits)
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.network is not None and app.network.epochs_trained == app.network.epochs > 0


async def test_every_binding_of_the_app_and_the_dashboard_has_a_palette_entry(digits):
    """Read from the declarations: a key added without a derived entry fails here."""
    declared = [(binding, TermnetApp) for binding in TermnetApp.BINDINGS]
    declared += [(binding, DashboardScreen) for binding in DashboardScreen.BINDINGS]
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        entries = {(entry.action, type(entry.node)): entry for entry in commands(app.dashboard)}
        for binding, owner in declared:
            entry = entries.pop((binding.action, owner), None)
            assert entry is not None, f"no palette entry for {binding.key}: {binding.action}"
            assert entry.help.endswith(f"key: {app.get_key_display(binding)}")
            assert entry.title
        assert not entries, f"palette entries without a key: {sorted(entries)}"
        titles = [entry.title for entry in commands(app.dashboard)]
        assert len(set(titles)) == len(titles), "two entries say the same"


async def test_the_palette_offers_what_the_keys_do_now(digits):
    """Idle: start, no pause or stop; training: pause and stop, no start and no presets (as the footer)."""
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        provider = TermnetCommands(app.dashboard)

        async def offered() -> set[str]:
            return {parse(hit.command.args[0])[1] async for hit in provider.discover()}

        idle = await offered()
        assert {"start", "preset", "tab", "help", "save_model"} <= idle and not {"pause", "stop"} & idle
        app.dashboard.action_start()
        app.dashboard.control.pause()  # paused before its first batch: it trains until stopped
        await wait_until(lambda: app.dashboard.training)
        busy = await offered()
        assert {"pause", "stop", "tab"} <= busy and not {"start", "preset"} & busy
        app.dashboard.control.stop()
        await app.workers.wait_for_complete()


async def test_over_a_dialog_only_the_apps_commands_are_offered(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        hits = await search(pilot, "confusion")
        assert not any(title == "Show the Confusion tab" for title, _ in hits)
        nodes = {type(entry.node) for entry in commands(app.screen_stack[-2])}
        assert nodes == {TermnetApp}
