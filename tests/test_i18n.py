"""Menus in the user's language: the bakery example in English and German through the harness,
flowfsm's own texts in the clicking user's locale, fallbacks logged once, check --locales,
extraction, and a flow without translations left alone."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from examples.i18n import bakery
from examples.quickstart import weather
from flowfsm import Button, Context, Flow, Screen, Texts
from flowfsm.cli import main
from flowfsm.diagram import diagram
from flowfsm.i18n import Translations, builtin_texts, match_locale
from flowfsm.i18n_check import extract_keys
from flowfsm.testing import OTHER_USER, Harness
from tests.fixtures import i18n_flows


@pytest_asyncio.fixture(params=["gateway", "rest"])
async def h(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    async with Harness([bakery], rest_bot=request.param == "rest") as harness:
        yield harness


def embed(h: Harness) -> dict[str, str]:
    assert h.message is not None
    return h.message["embeds"][0]  # type: ignore[no-any-return]


async def test_the_same_flow_in_english_and_in_german(h: Harness) -> None:
    await h.command("bakery")
    assert embed(h)["title"] == "The village bakery"
    assert h.labels()[:3] == ["Buy", "Note for the baker", "Basket"]
    h.locales[OTHER_USER] = "de"
    await h.command("bakery", user=OTHER_USER)
    assert embed(h)["title"] == "Die Dorfbäckerei"
    assert embed(h)["description"] == "Dein Korb ist leer."
    refusal = await h.click("Kaufen", user=OTHER_USER)
    assert refusal.ephemeral_text == "Wähle zuerst ein Brot."
    await h.select(["rye"], user=OTHER_USER)
    await h.click("Kaufen", user=OTHER_USER)
    await h.select(["pretzel"], user=OTHER_USER)
    await h.click("Kaufen", user=OTHER_USER)
    assert embed(h)["description"] == "In deinem Korb liegen 2 Brote."  # the German plural
    await h.click("Korb", user=OTHER_USER)
    assert h.message is not None
    assert h.message["content"] == "In deinem Korb:\n• Roggenbrot\n• Brezel"
    assert h.labels() == ["Bestellen", "Zurück", "Abbrechen"]  # flowfsm's Back and Cancel in German


async def test_guild_locale_then_default() -> None:
    async with Harness([bakery]) as h:
        h.locale, h.guild_locale = "ja", "de"  # no Japanese catalog: the guild's German
        await h.command("bakery")
        assert embed(h)["title"] == "Die Dorfbäckerei"
        session = h.session()
        assert session.locales == ("de", "en-US")
        h.locale, h.guild_locale = "en-GB", "de"  # British English is served by en-US
        await h.command("bakery")
        assert embed(h)["title"] == "The village bakery"
        h.locale, h.guild_locale = "ja", "ko"  # neither: the flow's default
        await h.command("bakery")
        assert embed(h)["title"] == "The village bakery"


async def test_expired_and_not_yours_replies_in_the_clicking_users_locale() -> None:
    async with Harness([bakery]) as h:
        await h.command("bakery")  # the owner is English
        h.locales[OTHER_USER] = "de"
        other = await h.click("Basket", user=OTHER_USER)
        assert (
            other.ephemeral_text
            == "Dieses Menü gehört jemand anderem. Führe /bakery aus, um dein eigenes zu öffnen."
        )
        h.locale = "de"  # the owner switched their client to German
        await h.advance(bakery.timeout + 1)
        expired = await h.click("Basket", allow_disabled=True)  # the expired menu was disabled
        assert expired.ephemeral_text == "Dieses Menü ist abgelaufen. Führe /bakery erneut aus."
        h.locale = "fr"  # no French built-in texts shipped: English
        expired = await h.click("Basket", allow_disabled=True)  # the expired menu was disabled
        assert expired.ephemeral_text == "This menu has expired. Run /bakery again."


async def test_an_expired_german_menu_stays_german() -> None:
    async with Harness([bakery]) as h:
        h.locale = "de"
        await h.command("bakery")
        await h.click("Korb")
        await h.advance(bakery.timeout + 1)
        assert h.message is not None
        assert h.message["content"].startswith(
            "In deinem Korb:"
        )  # re-rendered disabled, without an interaction
        assert h.labels() == ["Bestellen", "Zurück", "Abbrechen"]


async def test_the_error_reply_is_in_the_users_locale() -> None:
    broken = Flow("broken")
    broken.add_state(
        "start", lambda ctx: Screen("hi", items=[Button("Boom", action=lambda ctx: 1 / 0)]), initial=True
    )
    async with Harness([broken]) as h:
        h.locale = "de"
        await h.command("broken")
        reply = await h.click("Boom")
        assert reply.ephemeral_text == builtin_texts()["de"].error
        assert reply.ephemeral_text.startswith("Bei diesem Menü ist etwas schiefgelaufen")


async def test_a_missing_key_falls_back_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    translations = Translations(
        {"en-US": "greeting = Hello { $name }\nfarewell = Bye", "de": "greeting = Hallo { $name }"}
    )
    flow = Flow("greet", translations=translations)

    @flow.state(initial=True)
    def start(ctx: Context) -> Screen:
        return Screen(
            f"{ctx.t('greeting', name='Ann')} / {ctx.t('farewell')} / {ctx.t('nowhere')}",
            items=[Button("again", action=lambda ctx: None)],
        )

    async with Harness([flow]) as h:
        h.locale = "de"
        with caplog.at_level(logging.WARNING, logger="flowfsm.i18n"):
            await h.command("greet")
            for _ in range(3):
                await h.click("again")
        assert h.message is not None
        assert h.message["content"] == "Hallo Ann / Bye / nowhere"
    misses = [r.getMessage() for r in caplog.records if "missing key" in r.getMessage()]
    assert len(misses) == 3  # farewell in de; nowhere in de and en-US — each once, not per click
    assert any("'farewell' in locale de" in m and "falls back to en-US" in m for m in misses)


def test_a_flow_without_translations_follows_its_own_locale() -> None:
    assert weather.translations is None and weather.locale is None
    german = Flow("deutsch", locale="de")
    german.add_state("start", lambda ctx: Screen("Hallo"), initial=True, cancellable=True)
    assert german.locale == "de"
    with pytest.raises(Exception, match="differs from the default locale"):
        Flow("clash", translations=bakery.translations, locale="de")


async def test_untranslated_flows_keep_their_language_but_replies_follow_the_user() -> None:
    german = Flow("deutsch", locale="de")
    german.add_state("start", lambda ctx: Screen("Hallo"), initial=True, cancellable=True)
    async with Harness([weather, german]) as h:
        h.locale = "de"
        await h.command("weather")
        assert "Cancel" in h.labels()  # an English flow keeps an English Cancel
        await h.command("deutsch")
        h.locale = "en-US"
        assert h.labels() == ["Abbrechen"]  # a flow written in German gets a German Cancel
        with pytest.raises(Exception, match="has no translations"):
            Context(h.manager, h.session(), None).t("x")


def test_builtin_texts_german_is_complete_and_overridable(tmp_path: Path) -> None:
    texts = builtin_texts()
    english, german = texts["en-US"], texts["de"]
    assert english == Texts()
    for name in Texts.__dataclass_fields__:
        assert getattr(german, name) != getattr(english, name) or name == "cancelled", name
    assert "{command}" in german.expired and "{command}" in german.not_yours
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "flowfsm.ftl").write_text("expired = Ce menu a expiré. Relancez /{ $command }.\n")
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "flowfsm.ftl").write_text("back_label = Zurückgehen\n")
    mine = builtin_texts(directory=tmp_path)
    assert mine["fr"].expired == "Ce menu a expiré. Relancez /{command}."
    assert mine["fr"].back_label == "Back"  # not translated: English
    assert mine["de"].back_label == "Zurückgehen" and mine["de"].cancel_label == "Abbrechen"


def test_a_catalog_syntax_error_stops_the_start() -> None:
    with pytest.raises(Exception, match=r"\[de#0\]:2"):
        Translations({"en-US": "a = b", "de": "a = b\nbroken = { $x"})


def test_locale_matching() -> None:
    assert match_locale("en-GB", ["en-US", "de"]) == "en-US"
    assert match_locale("de", ["en-US", "de"]) == "de"
    assert match_locale("ja", ["en-US", "de"]) is None
    assert match_locale(None, ["en-US"]) is None


def test_check_locales_reports_the_fixture_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "tests.fixtures.i18n_flows", "--locales", "de,fr"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) == sorted(i18n_flows.EXPECTED)


def test_check_locales_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "examples.i18n", "--locales", "de"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["check", "examples.i18n", "--locales", "de,fr"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "bakery:*:* [fr]: no catalog for this locale; en-US is shown"
    ]


def test_extract_lists_every_key(capsys: pytest.CaptureFixture[str]) -> None:
    keys = {use.key for use in extract_keys(bakery)}
    assert {"counter.title", "counter.basket", "note.title", "ordered.thanks", "bread-{…}"} <= keys
    assert keys - {"bread-{…}"} <= bakery.translations.keys("en-US")  # type: ignore[union-attr]
    assert main(["i18n", "extract", "examples.i18n"]) == 0
    out = capsys.readouterr().out
    assert "counter.title  # examples/i18n.py:" in out
    assert main(["i18n", "builtin", "de"]) == 0
    assert "back_label = Zurück" in capsys.readouterr().out


def test_diagrams_stay_keyed_by_state_names() -> None:
    text = str(diagram(bakery, "mermaid"))
    assert "basket_view" in text and "counter" in text
    assert "Korb" not in text and "Basket" not in text


def test_builtin_texts_round_trip_through_fluent(tmp_path: Path) -> None:
    from flowfsm.i18n import texts_as_ftl

    custom = Texts(stale="Old {screen} — run /{command}", back_label="Back")
    (tmp_path / "en-US").mkdir()
    (tmp_path / "en-US" / "flowfsm.ftl").write_text(texts_as_ftl(custom))
    loaded = builtin_texts(directory=tmp_path)["en-US"]
    assert loaded == custom  # literal braces survive; {command} stays a str.format field
