"""A bakery menu in the user's language: Fluent catalogs in English and German.

The ``bakery`` flow (command ``/bakery``) reads every text from ``examples/locales/<locale>/``
with ``ctx.t(key, **variables)``. A user whose Discord client is German sees it in German; the
guild's locale is the next choice, English the default. flowfsm's own texts (Back, Cancel, "This
menu has expired", "not your menu") follow too.

- ``counter`` (initial): the basket's count (a plural the translator words per language), a
  select of breads, "Buy" (refused, in the user's language, when nothing is chosen), "Note for
  the baker" (a modal with a translated title and field) and "Basket".
- ``basket`` (returnable, cancellable): the basket line by line, with the generated Back and
  Cancel (translated by flowfsm) and "Order".
- ``ordered`` (final): a thank-you note naming the user's note, if any.

``flowfsm check examples.i18n --locales de`` renders every state in both languages and checks
Discord's limits, missing and unused keys; ``flowfsm i18n extract examples.i18n`` lists the keys.
"""

from __future__ import annotations

from pathlib import Path

import hikari

from flowfsm import Button, Context, Flow, GuardFailure, Screen
from flowfsm.i18n import Translations
from flowfsm.modals import Modal, TextField
from flowfsm.selects import SelectOption, TextSelect

LOCALES = Path(__file__).with_name("locales")
translations = Translations.from_directory(LOCALES, default="en-US")  # parsed once, at import

bakery = Flow("bakery", translations=translations, description="A bakery menu in English and German")

BREADS = ("pretzel", "rye", "croissant")


def basket(ctx: Context) -> list[str]:
    """The breads bought this session."""
    return ctx.data.setdefault("basket", [])


def choose(ctx: Context, values: list[str]) -> None:
    """Select action: remember the chosen bread."""
    ctx.state["chosen"] = values[0] if values else None


def buy(ctx: Context) -> None:
    """Put the chosen bread in the basket; refuse (translated) when none is chosen."""
    chosen = ctx.state.get("chosen")
    if chosen is None:
        raise GuardFailure(ctx.t("counter.choose-first"))
    basket(ctx).append(chosen)


def save_note(ctx: Context, values: dict[str, str]) -> None:
    """Modal handler: the note for the baker."""
    ctx.data["note"] = values["note"].strip()


@bakery.state(initial=True, tracked=True)
def counter(ctx: Context) -> Screen:
    """The counter: what is in the basket, what to buy."""
    chosen = ctx.state.get("chosen")
    options = [
        SelectOption(ctx.t(f"bread-{bread}"), value=bread, default=bread == chosen) for bread in BREADS
    ]
    embed = hikari.Embed(
        title=ctx.t("counter.title"),
        description=ctx.t("counter.basket", count=len(basket(ctx))),
    )
    return Screen(
        embeds=[embed],
        items=[
            TextSelect(options, placeholder=ctx.t("counter.pick"), action=choose, id="bread"),
            Button(ctx.t("counter.buy"), action=buy, style=hikari.ButtonStyle.SUCCESS, id="buy"),
            Button(ctx.t("counter.note"), modal="note", id="note"),
            Button(
                ctx.t("counter.to-basket"), trigger="basket", style=hikari.ButtonStyle.PRIMARY, id="basket"
            ),
        ],
        modals=[
            Modal(
                "note",
                ctx.t("note.title"),
                [TextField("note", ctx.t("note.field"), max_length=200, required=False)],
                on_submit=save_note,
            )
        ],
    )


@bakery.state(returnable=True, cancellable=True)
def basket_view(ctx: Context) -> Screen:
    """The basket, one line per bread."""
    lines = [f"• {ctx.t(f'bread-{bread}')}" for bread in basket(ctx)] or [ctx.t("basket.empty")]
    return Screen(
        "\n".join([ctx.t("basket.heading"), *lines]),
        items=[Button(ctx.t("basket.order"), trigger="order", style=hikari.ButtonStyle.SUCCESS, id="order")],
    )


@bakery.state(final=True)
def ordered(ctx: Context) -> Screen:
    """The order is placed: thanks, with the note if there is one."""
    note = ctx.data.get("note")
    text = ctx.t("ordered.thanks", count=len(basket(ctx)), user=getattr(ctx.user, "username", "?"))
    return Screen(text + (f"\n{ctx.t('ordered.note', note=note)}" if note else ""))


bakery.transition("basket", "counter", "basket_view")
bakery.transition("order", "basket_view", "ordered")


def main() -> None:
    """Run the bakery as a gateway bot with a /bakery command."""
    from examples._bot import run_bot

    run_bot([bakery])


if __name__ == "__main__":
    main()
