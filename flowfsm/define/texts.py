"""The texts flowfsm itself shows: refusals, the error reply, Back/Cancel/page navigation labels.

Translations of these live in ``flowfsm/define/locales/<locale>/flowfsm.ftl`` (see :mod:`flowfsm.define.i18n`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Texts"]


@dataclass(slots=True)
class Texts:
    """The short texts users see when a click cannot be run. ``{command}`` is the flow's command;
    ``{seconds}`` (in ``cooldown``) the whole seconds until the user may click again."""

    expired: str = "This menu has expired. Run /{command} again."
    not_yours: str = "This menu belongs to someone else. Run /{command} to open your own."
    stale: str = "That button belongs to an earlier screen of this menu. Use the buttons on the current one."
    invalid: str = "This button is not valid. Run the command again to open a fresh menu."
    error: str = "Something went wrong with this menu, so it was closed. Please try again."
    timeout: str = "This step took too long, so the menu was closed. Please try again."
    open_again: str = "Open again"
    cancelled: str = "Cancelled."
    back_label: str = "Back"
    cancel_label: str = "Cancel"
    previous_label: str = "← Previous"
    next_label: str = "Next →"
    moved: str = "This menu continues in a newer message."
    unavailable: str = "This command has no menu to open right now. The bot's owner has been told."
    busy: str = "This menu is still busy with your earlier clicks. Try again in a moment."
    too_many: str = "You have too many menus open. Close one, or wait for one to expire."
    replaced: str = "This menu was replaced by a newer one."
    not_delivered: str = "This menu could not be updated, so it was closed. Run /{command} again."
    cooldown: str = "Slow down: try again in {seconds} s."
    crowded: str = "Many people are clicking this menu right now. Try again in a moment."
