"""The last screen of a session (a final state, or ``ctx.close(text)``) runs neither
``before_render`` nor ``after_render``: the documented exception to the hook order (README, "How
a flow behaves"). The final state's ``on_enter`` and the closing action still run."""

from __future__ import annotations

from flowfsm import Button, Context, Flow, Screen
from flowfsm.testing import Harness


def _recorded_flow(log: list[str]) -> Flow:
    flow = Flow("hooked")

    def hook(name: str):  # type: ignore[no-untyped-def]
        return lambda ctx: log.append(f"{name}:{ctx.state_name}")

    def close(ctx: Context) -> None:
        log.append("close-action")
        ctx.close("Closed by hand.")

    @flow.state(initial=True)
    def menu(ctx: Context) -> Screen:
        log.append("render:menu")
        return Screen("Menu", items=[Button("Finish", trigger="finish"), Button("Close", action=close)])

    @flow.state(final=True)
    def done(ctx: Context) -> Screen:
        log.append("render:done")
        return Screen("Done.")

    flow.transition("finish", "menu", "done")
    for state in ("menu", "done"):
        for name in ("on_enter", "before_render", "after_render"):
            flow.hook(state, name)(hook(name))
    return flow


async def test_entering_a_final_state_skips_before_and_after_render() -> None:
    log: list[str] = []
    async with Harness([_recorded_flow(log)]) as h:
        await h.command("hooked")
        assert log == ["on_enter:menu", "before_render:menu", "render:menu", "after_render:menu"]
        log.clear()
        await h.click("Finish")
        assert log == ["on_enter:done", "render:done"]
        assert h.message["content"] == "Done." and h.session() is None  # type: ignore[index]


async def test_ctx_close_skips_before_and_after_render() -> None:
    log: list[str] = []
    async with Harness([_recorded_flow(log)]) as h:
        await h.command("hooked")
        log.clear()
        await h.click("Close")
        assert log == ["close-action"]
        assert h.message["content"] == "Closed by hand." and h.session() is None  # type: ignore[index]
