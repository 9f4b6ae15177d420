"""The playground in a real browser: Debian's Chromium driven headless by Playwright.

The server runs in-process on a free 127.0.0.1 port with the shipped examples; the browser is the
system one (``/usr/bin/chromium``, installed by ``make test``): Playwright never downloads one.
Each test saves a screenshot under its temporary directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

playwright_api = pytest.importorskip("playwright.async_api")

from flowfsm.tools.playground.server import PlaygroundServer  # noqa: E402
from flowfsm.tools.playground.targets import discover  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (make test installs Debian's chromium)", allow_module_level=True)


@pytest.fixture
async def server() -> AsyncIterator[PlaygroundServer]:
    found = discover()
    async with PlaygroundServer(found.flows, port=0, errors=found.errors) as running:
        yield running


@pytest.fixture
async def page(server: PlaygroundServer) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1400, "height": 860})
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        await tab.goto(server.url)
        yield tab
        await browser.close()
        assert not errors, f"JavaScript errors: {errors}"


def button(label: str) -> str:
    """A selector for the message button whose label is exactly ``label``."""
    return f'#channel button[data-custom-id]:has(.label:text-is("{label}"))'


async def current_state(page: Any) -> str:
    """The state highlighted in the diagram (there must be exactly one)."""
    nodes = page.locator("#diagram g.ff-current")
    assert await nodes.count() == 1
    return str(await nodes.get_attribute("data-state"))


async def wait_for_state(page: Any, state: str) -> None:
    await page.wait_for_selector(f'#diagram g.ff-current[data-state="{state}"]')
    assert await current_state(page) == state
    assert await page.inner_text("#current-state") == state


async def test_weather_click_through_and_back(page: Any, tmp_path: Path) -> None:
    flows = await page.locator(".flow-item").evaluate_all("items => items.map(i => i.dataset.flow)")
    assert "weather" in flows

    await page.click('.flow-item[data-flow="weather"]')
    assert await page.input_value("#composer-input") == "/weather"
    await page.click("#start")
    await wait_for_state(page, "report")
    assert "Weather in Paris" in await page.inner_text("#channel .embed-title")
    assert await page.locator("#channel .btn-primary").count() == 1  # Refresh: blurple
    assert await page.locator("#channel a.btn-link").get_attribute("href") == "https://example.com/forecast"

    await page.click(button("Details"))
    await wait_for_state(page, "details")
    assert "Temperature" in await page.inner_text("#channel .content")
    assert await page.locator('#diagram g.ff-visited[data-state="report"]').count() == 1
    moved = page.locator('#log .log-entry[data-outcome="moved"]')
    assert await moved.count() == 1
    assert re.search(r"details\s*report\s*→\s*details", await moved.inner_text())

    await page.click(button("Back"))
    await wait_for_state(page, "report")
    assert await page.locator('#log .log-entry[data-outcome="moved"]').count() == 2

    # Another user clicking gets Discord's ephemeral "not your menu"; the state does not move.
    await page.click('.user-item[data-user="2002"]')
    await page.wait_for_selector('.user-item.active[data-user="2002"]')
    await page.click(button("Details"))
    await page.wait_for_selector('#log .log-entry[data-outcome="refused"]')
    ephemeral = page.locator("#channel .message.ephemeral")
    assert "belongs to someone else" in await ephemeral.inner_text()
    assert "Only you can see this" in await ephemeral.inner_text()
    assert await current_state(page) == "report"

    await page.screenshot(path=str(tmp_path / "playground.png"))

    # Past the timeout the menu expires: its buttons are disabled.
    await page.click("#advance")
    await page.wait_for_selector('#log .log-entry[data-outcome="expired"]')
    buttons = page.locator("#channel .message:not(.ephemeral) button[data-custom-id]")
    assert await buttons.count() == 4
    assert all(await buttons.evaluate_all("list => list.map(b => b.disabled)"))
    assert "ended" in await page.inner_text("#status")
    await page.screenshot(path=str(tmp_path / "expired.png"))
    assert (tmp_path / "playground.png").stat().st_size > 10_000


@pytest.mark.skipif(
    not (ROOT / "examples" / "selects_modals.py").exists(),
    reason="the selects-and-modals example is not there",
)
async def test_selects_and_a_modal(page: Any, tmp_path: Path) -> None:
    await page.click('.flow-item[data-flow="profile"]')
    await page.click("#start")
    await wait_for_state(page, "card")

    # A string select allowing several values: tick two options, then confirm.
    colours = page.locator('#channel .select[data-component-type="3"]')
    await colours.locator(".select-toggle").click()
    await colours.locator('input[value="red"]').check()
    await colours.locator('input[value="blue"]').check()
    await colours.locator(".select-done").click()
    await page.wait_for_selector('#channel .embed-field-value:has-text("🔴 🔵")')

    # A button opening a modal; the dialog is drawn from the callback; submitting sends a modal interaction.
    await page.click(button("Edit bio"))
    dialog = page.locator("#modal-root form.modal")
    await dialog.wait_for()
    assert await dialog.locator(".modal-title").inner_text() == "Edit your bio"
    assert await dialog.locator("textarea[data-custom-id='bio']").count() == 1
    await dialog.locator("input[data-custom-id='name']").fill("Ada")
    await dialog.locator("input[data-custom-id='pronouns']").fill("she/her")
    await dialog.locator("textarea[data-custom-id='bio']").fill("Writes **engines**.")
    await page.screenshot(path=str(tmp_path / "modal.png"))
    await dialog.locator(".modal-submit").click()
    await page.wait_for_selector("#modal-root form.modal", state="detached")
    await page.wait_for_selector('#channel .embed-title:has-text("Ada (she/her)")')
    assert "engines" in await page.inner_text("#channel .embed-description strong")
    submitted = page.locator("#log .log-entry").filter(has_text="submit modal 'Edit your bio'")
    assert await submitted.count() == 1
    assert await current_state(page) == "card"

    # An auto-populated user select: a single choice is sent at once.
    await page.click(button("People & places"))
    await wait_for_state(page, "more")
    users = page.locator('#channel .select[data-component-type="5"]')
    await users.locator(".select-toggle").click()
    await users.locator('input[value="2002"]').check()
    await page.wait_for_selector('#channel .embed-field-value:has-text("@user2002")')
    await page.click(button("Back"))
    await wait_for_state(page, "card")
    assert await page.locator('#diagram g.ff-visited[data-state="more"]').count() == 1

    # A guard refusing a modal's values answers with an ephemeral message.
    await page.click(button("Edit links"))
    await dialog.wait_for()
    await dialog.locator("input[data-custom-id='website']").fill("http://insecure.example")
    await dialog.locator(".modal-submit").click()
    await page.wait_for_selector('#log .log-entry[data-outcome="guard"]')
    assert "must start with https://" in await page.inner_text("#channel .message.ephemeral")
    await page.screenshot(path=str(tmp_path / "playground.png"))
    # FLOWFSM_DOCS_SCREENSHOT=docs/playground.png refreshes the README's picture from this run.
    if os.environ.get("FLOWFSM_DOCS_SCREENSHOT"):
        await page.screenshot(path=os.environ["FLOWFSM_DOCS_SCREENSHOT"])
