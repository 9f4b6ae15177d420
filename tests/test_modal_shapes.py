"""Modal shapes: the deprecated action rows flowfsm sends, and Discord's Label components (type 18).

flowfsm sends action rows of text inputs because hikari 2.7 reads nothing else back (see
:mod:`flowfsm.define.modals`); these tests pin that reason, so they fail the day hikari reads labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import hikari
import pytest

from examples.selects_modals import profile
from flowfsm.define.modals import fields_from
from flowfsm.testing import Harness, payloads


def _interaction(shape: str) -> hikari.ModalInteraction:
    payload = payloads.modal_interaction(
        interaction_id=1, token="t", user_id=7, custom_id="m", fields={"name": "Ada", "bio": ""}, shape=shape
    )
    interaction = hikari.impl.EntityFactoryImpl(hikari.RESTApp()).deserialize_interaction(payload)  # type: ignore[arg-type]
    assert isinstance(interaction, hikari.ModalInteraction)
    return interaction


def test_a_label_shaped_submission_is_built_as_discord_sends_it() -> None:
    payload = payloads.modal_interaction(
        interaction_id=1, token="t", user_id=7, custom_id="m", fields={"name": "Ada"}, shape="label"
    )
    assert payload["data"]["components"] == [
        {"type": 18, "id": 1, "component": {"type": 4, "id": 2, "custom_id": "name", "value": "Ada"}}
    ]
    with pytest.raises(ValueError, match="shape"):
        payloads.modal_interaction(
            interaction_id=1, token="t", user_id=7, custom_id="m", fields={}, shape="grid"
        )


def test_the_row_shape_is_read() -> None:
    assert fields_from(_interaction("row")) == {"name": "Ada", "bio": ""}


def test_hikari_2_7_drops_a_label_shaped_submission() -> None:
    """Why flowfsm still sends action rows: a label-shaped modal's values never reach it."""
    interaction = _interaction("label")
    assert list(interaction.components) == []
    assert fields_from(interaction) == {}


@dataclass(frozen=True)
class _Label:
    """A label component as a hikari that reads them would give it: one component inside."""

    component: hikari.TextInputComponent
    type: int = 18


def test_fields_from_reads_labels_holding_text_inputs() -> None:
    """The label walk of :func:`fields_from`, on hikari's own text input components."""
    rows = _interaction("row").components
    inputs = [child for row in rows for child in row.components]
    assert all(isinstance(i, hikari.TextInputComponent) for i in inputs)

    @dataclass(frozen=True)
    class _Submission:
        components: tuple[object, ...]

    submission = _Submission((_Label(inputs[0]), rows[1]))  # one field of each shape
    assert fields_from(submission) == {"name": "Ada", "bio": ""}  # type: ignore[arg-type]


async def test_flowfsm_sends_action_rows_that_discord_accepts() -> None:
    """The modal goes out in the deprecated shape, which FakeDiscord validates like Discord."""
    async with Harness([profile]) as h:
        await h.command("profile")
        opened = await h.click("Edit bio")
        assert opened.type == 9 and opened.callback is not None
        assert [r.status for r in opened.requests if r.path.endswith("/callback")] == [
            200
        ]  # with_response=true: hikari asks for the callback response
        components = opened.callback["data"]["components"]
        assert {c["type"] for c in components} == {1}
        assert all(len(c["components"]) == 1 and c["components"][0]["label"] for c in components)
        payload = payloads.modal_problems(opened.callback["data"])
        assert payload == []
