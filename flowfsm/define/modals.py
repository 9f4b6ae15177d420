"""Modals: pop-up forms of text fields, their limits, their builder, and reading a submission.

A state declares its modals (each with an id); a button names the modal it opens, and the modal
is sent as the initial response to that click. On submit, ``on_submit(ctx, values)`` runs with
the field values by field id and/or ``trigger`` fires, then the message re-renders.

Example::

    Modal("bio", "Edit your bio", [
        TextField("name", "Display name", max_length=32),
        TextField("bio", "About you", style=hikari.TextInputStyle.PARAGRAPH, required=False),
    ], on_submit=save_bio)

Modal shape. Discord documents Label components (type 18: a label, an optional description and
one text input or select) as the current shape of a modal, and action rows of text inputs (and the
text input's own ``label``) as deprecated. flowfsm sends the deprecated shape, because it is the
only one hikari 2.7 can read back:

* hikari 2.7 has no ``ComponentType`` 18 and no label builder (``ModalActionRowBuilder`` is its
  only modal container). Sending labels would still be possible: ``InteractionModalBuilder`` and
  ``create_modal_response`` accept any ``hikari.api.ComponentBuilder``, so a small builder of our
  own could emit ``{"type": 18, ...}``.
* But Discord mirrors the modal's shape in the submission, and hikari 2.7's entity factory keeps
  only top-level action rows of a MODAL_SUBMIT (``_deserialize_modal_components`` logs "Unknown
  top-level message component type" and drops the rest): a label-shaped modal would reach the
  engine with no values at all, and the factory is slotted, so it cannot be taught otherwise
  without replacing hikari's private deserializer.

Both shapes are read where flowfsm reads them: :func:`fields_from` takes the values of action rows
of text inputs and of labels (a ``component`` inside), so the switch to labels is the builder
alone once hikari deserializes them (``tests/test_modal_shapes.py`` pins hikari's behaviour and
fails when it changes). hikari's ``InteractionModalBuilder.build`` also emits each component as a
``(payload, files)`` pair (what a ``RESTBot`` listener's returned modal would send);
:func:`build_modal` returns a builder that emits plain component payloads.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import hikari
from hikari.impl import InteractionModalBuilder, ModalActionRowBuilder

if TYPE_CHECKING:
    from flowfsm.define.context import Context

__all__ = [
    "MAX_FIELDS",
    "MAX_LABEL",
    "MAX_PLACEHOLDER",
    "MAX_TITLE",
    "MAX_VALUE",
    "Modal",
    "SubmitHandler",
    "TextField",
    "build_modal",
    "fields_from",
    "modal_problems",
]

MAX_TITLE = 45
MAX_FIELDS = 5
MAX_LABEL = 45
MAX_PLACEHOLDER = 100
MAX_VALUE = 4000
"""Longest value of a text input (also the bound of ``min_length`` and ``max_length``)."""
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")

SubmitHandler: TypeAlias = "Callable[[Context, dict[str, str]], Awaitable[Any] | Any]"
"""A modal callback: receives the context and the values by field id; sync or async."""


@dataclass(frozen=True, slots=True)
class TextField:
    """One text input of a :class:`Modal`.

    Args:
        id: key of the value in the submitted ``values`` (1-40 letters, digits, ``_ . -``).
        label: text above the input (1-45 characters).
        style: ``SHORT`` (one line) or ``PARAGRAPH`` (several lines).
        required: whether the form can be sent with this field empty.
        min_length: fewest characters accepted (0-4000).
        max_length: most characters accepted (1-4000).
        placeholder: grey hint shown while empty (at most 100 characters).
        value: text pre-filled in the input (at most 4000 characters).
    """

    id: str
    label: str
    style: hikari.TextInputStyle = hikari.TextInputStyle.SHORT
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None
    placeholder: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Modal:
    """A form of 1-5 text fields, opened by a button that names its ``id``.

    Args:
        id: the modal's key within its state (1-40 letters, digits, ``_ . -``, not only digits).
        title: shown at the top of the form (1-45 characters).
        fields: 1-5 :class:`TextField` with distinct ids.
        on_submit: ``on_submit(ctx, values)`` run on submit, ``values`` mapping field id to text
            (sync or async).
        trigger: trigger fired on submit (after ``on_submit`` when both are given).
    """

    id: str
    title: str
    fields: Sequence[TextField]
    on_submit: SubmitHandler | None = None
    trigger: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))

    def describe(self) -> str:
        """A short name for error messages: the modal's id."""
        return self.id


def _bad_id(value: object) -> bool:
    return not isinstance(value, str) or not _ID.match(value)


def modal_problems(modal: Modal) -> list[str]:
    """Check a modal against Discord's limits and flowfsm's rules; return readable problems.

    Checked: id of 1-40 letters, digits, ``_ . -`` (not only digits); title of 1-45 characters;
    1-5 fields with distinct valid ids, labels of 1-45 characters, placeholders of at most 100,
    ``0 <= min_length <= max_length <= 4000`` (``max_length`` at least 1), a pre-filled value of at
    most 4000 characters and within ``max_length``; an ``on_submit``, a ``trigger`` or both.
    An empty list means fine.
    """
    if not isinstance(modal, Modal):
        return [f"not a Modal: {type(modal).__name__}"]
    problems: list[str] = []
    if _bad_id(modal.id) or modal.id.isdigit():
        problems.append(
            f"modal id {modal.id!r} must be 1-40 letters, digits, '_', '.' or '-' and not only digits"
        )
    if not isinstance(modal.title, str) or not 1 <= len(modal.title) <= MAX_TITLE:
        size = len(modal.title) if isinstance(modal.title, str) else modal.title
        problems.append(f"title is {size} characters; Discord allows 1-{MAX_TITLE}")
    if not 1 <= len(modal.fields) <= MAX_FIELDS:
        problems.append(f"a modal has {len(modal.fields)} fields; Discord allows 1-{MAX_FIELDS}")
    seen: set[str] = set()
    for index, text_field in enumerate(modal.fields):
        if not isinstance(text_field, TextField):
            problems.append(f"field #{index} is a {type(text_field).__name__}, not a TextField")
            continue
        problems.extend(f"field {text_field.id!r}: {p}" for p in _field_problems(text_field))
        if text_field.id in seen:
            problems.append(f"field {text_field.id!r}: two fields share this id")
        seen.add(text_field.id)
    if modal.on_submit is None and modal.trigger is None:
        problems.append("a modal needs on_submit, a trigger, or both")
    return problems


def _field_problems(text_field: TextField) -> list[str]:
    problems: list[str] = []
    if _bad_id(text_field.id):
        problems.append("a field id is 1-40 letters, digits, '_', '.' or '-'")
    if not isinstance(text_field.label, str) or not 1 <= len(text_field.label) <= MAX_LABEL:
        size = len(text_field.label) if isinstance(text_field.label, str) else text_field.label
        problems.append(f"label is {size} characters; Discord allows 1-{MAX_LABEL}")
    if text_field.placeholder is not None and len(text_field.placeholder) > MAX_PLACEHOLDER:
        problems.append(
            f"placeholder is {len(text_field.placeholder)} characters; Discord allows {MAX_PLACEHOLDER}"
        )
    if not isinstance(text_field.style, hikari.TextInputStyle):
        problems.append(f"style {text_field.style!r} is not a hikari.TextInputStyle")
    low, high = text_field.min_length, text_field.max_length
    if low is not None and not 0 <= low <= MAX_VALUE:
        problems.append(f"min_length is {low}; it must be 0-{MAX_VALUE}")
    if high is not None and not 1 <= high <= MAX_VALUE:
        problems.append(f"max_length is {high}; it must be 1-{MAX_VALUE}")
    if low is not None and high is not None and low > high:
        problems.append(f"min_length ({low}) is greater than max_length ({high})")
    if text_field.value is not None:
        limit = min(high, MAX_VALUE) if high is not None else MAX_VALUE
        if len(text_field.value) > limit:
            problems.append(f"value is {len(text_field.value)} characters; at most {limit} fit")
    return problems


class _ModalResponseBuilder(InteractionModalBuilder):
    """hikari's modal response builder, emitting component payloads (not ``(payload, files)`` pairs)."""

    def build(
        self, entity_factory: hikari.api.EntityFactory, /
    ) -> tuple[Any, Sequence[hikari.files.Resource[hikari.files.AsyncReader]]]:
        """Build the MODAL (type 9) interaction response body."""
        data: dict[str, Any] = {
            "title": self.title,
            "custom_id": self.custom_id,
            "components": [component.build()[0] for component in self.components],
        }
        return {"type": hikari.ResponseType.MODAL, "data": data}, ()


def build_modal(
    interaction: hikari.ComponentInteraction | hikari.CommandInteraction,
    modal: Modal,
    custom_id: str,
) -> hikari.api.InteractionModalBuilder:
    """Build the modal response for ``interaction``: title, ``custom_id`` and one row per field.

    Each field's custom id is its :attr:`TextField.id`, so :func:`fields_from` gives the values
    back under those keys. It must be the interaction's initial response: send it with
    ``interaction.create_modal_response(b.title, b.custom_id, components=b.components)``, or return
    it from a ``RESTBot`` listener. Call :func:`modal_problems` first: this function builds what it
    is given.
    """
    if not isinstance(interaction, hikari.ComponentInteraction | hikari.CommandInteraction):
        raise TypeError(
            f"a modal answers a component or command interaction, not {type(interaction).__name__}"
        )
    builder = _ModalResponseBuilder(title=modal.title, custom_id=custom_id)
    for text_field in modal.fields:
        row = ModalActionRowBuilder()
        row.add_text_input(
            text_field.id,
            text_field.label,
            style=text_field.style,
            placeholder=text_field.placeholder if text_field.placeholder is not None else hikari.UNDEFINED,
            value=text_field.value if text_field.value is not None else hikari.UNDEFINED,
            required=text_field.required,
            min_length=text_field.min_length if text_field.min_length is not None else 0,
            max_length=text_field.max_length if text_field.max_length is not None else MAX_VALUE,
        )
        builder.add_component(row)
    return builder


def fields_from(interaction: hikari.ModalInteraction) -> dict[str, str]:
    """The submitted values of a modal interaction, by field id (an empty field gives ``""``).

    Walks whatever hikari gives in ``interaction.components``: action rows of text inputs (what
    hikari 2.7 deserializes), or any component carrying ``custom_id`` and ``value``, nested in
    ``components`` or a single ``component`` (the shape of Discord's label components).
    """
    values: dict[str, str] = {}

    def walk(node: Any) -> None:
        custom_id, value = getattr(node, "custom_id", None), getattr(node, "value", None)
        if isinstance(custom_id, str) and isinstance(value, str):
            values[custom_id] = value
        for child in getattr(node, "components", None) or ():
            walk(child)
        if (child := getattr(node, "component", None)) is not None:
            walk(child)

    for top in interaction.components:
        walk(top)
    return values
