"""Selects, modals and Components v2 layouts end to end, asserting on what the fake Discord recorded."""

from __future__ import annotations

import pytest

from examples.layout_basics import basics
from examples.layout_navigation import helpdesk
from examples.layout_paginated import paginated
from examples.layout_sections import sections
from examples.mode_switch import switch
from examples.selects_modals import profile
from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.modals import Modal, TextField
from flowfsm.testing import Harness, components_of

V2 = 1 << 15
MODAL = 9
UPDATE = 7


def kinds(message: dict) -> list[int]:  # type: ignore[type-arg]
    return [int(c["type"]) for c in components_of(message)]


# -- selects -------------------------------------------------------------------------------------------------


async def test_all_five_select_kinds_deliver_their_values_as_lists() -> None:
    async with Harness([profile]) as h:
        await h.command("profile")
        colours = next(c for c in components_of(h.message) if c["type"] == 3)  # type: ignore[arg-type]
        assert colours["min_values"] == 0 and colours["max_values"] == 3
        assert colours["custom_id"].endswith(":colours")
        await h.select(["red", "blue"], placeholder="Favourite colours (up to 3)")
        assert h.session().data["colours"] == ["red", "blue"]
        chosen = next(c for c in components_of(h.message) if c["type"] == 3)  # type: ignore[arg-type]
        assert [o["value"] for o in chosen["options"] if o.get("default")] == ["red", "blue"]
        await h.click("People & places")
        assert sorted(kinds(h.message)) == [2, 5, 6, 7, 8]  # type: ignore[arg-type]
        await h.select(["4242"], placeholder="Best friend")
        await h.select(["11", "12"], placeholder="Roles to ping (up to 3)")
        await h.select(["1001"], placeholder="Notify on changes")
        await h.select(["333"], placeholder="Announcement channel")
        data = h.session().data
        assert data["friend"] == 4242 and data["roles"] == [11, 12] and data["channel"] == 333
        assert data["notify"] == [(1001, "user")]
        friend = next(c for c in components_of(h.message) if c["type"] == 5)  # type: ignore[arg-type]
        assert friend["default_values"] == [{"id": "4242", "type": "user"}]
        channel = next(c for c in components_of(h.message) if c["type"] == 8)  # type: ignore[arg-type]
        assert channel["channel_types"] == [0, 5]


# -- modals --------------------------------------------------------------------------------------------------


async def test_a_button_opens_a_modal_as_the_initial_response_and_submit_rerenders() -> None:
    async with Harness([profile]) as h:
        await h.command("profile")
        reply = await h.click("Edit bio")
        assert reply.type == MODAL and len(reply.requests) == 1  # nothing before it, no defer
        data = reply.callback["data"]  # type: ignore[index]
        assert data["title"] == "Edit your bio"
        assert data["custom_id"].endswith(":~m.bio")
        submit = await h.submit_modal(
            data["custom_id"], {"name": "Ada", "pronouns": "she/her", "bio": "Engines."}
        )
        assert submit.type == UPDATE
        assert h.message["embeds"][0]["title"] == "Ada (she/her)"  # type: ignore[index]
        assert h.message["embeds"][0]["description"] == "Engines."  # type: ignore[index]


async def test_a_modal_handler_can_refuse_with_a_guard_message() -> None:
    async with Harness([profile]) as h:
        await h.command("profile")
        cid = (await h.click("Edit links")).callback["data"]["custom_id"]  # type: ignore[index]
        reply = await h.submit_modal(cid, {"website": "http://insecure.example", "github": ""})
        assert (
            reply.ephemeral_text
            == "The website link must start with https:// (got 'http://insecure.example')."
        )
        assert "links" not in h.session().data


async def test_an_abandoned_modal_leaves_the_session_usable_and_it_still_expires() -> None:
    async with Harness([profile]) as h:
        await h.command("profile")
        await h.click("Edit bio")  # the user closes the dialog: nothing arrives
        await h.click("People & places")
        assert h.session().state == "more"
        assert await h.advance(profile.timeout + 1) == 1


async def test_a_button_naming_a_missing_modal_is_a_render_error() -> None:
    flow = Flow("nomodal")

    @flow.state(initial=True)
    def form(ctx: Context) -> Screen:
        return Screen(
            "x",
            items=[Button("Open", modal="missing")],
            modals=[Modal("present", "Title", [TextField("a", "A")], on_submit=lambda ctx, v: None)],
        )

    async with Harness([flow]) as h:
        reply = await h.command("nomodal")
        assert reply.ephemeral_text == h.manager.texts.error
    from flowfsm.engine.render import render_screen
    from flowfsm.errors import RenderError

    with pytest.raises(
        RenderError, match=r"flow 'nomodal', state 'form', item 'Open': button opens modal 'missing'"
    ):
        render_screen(flow, "form", "abcdefgh", form(None))  # type: ignore[arg-type]


# -- Components v2 layouts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "command"),
    [
        (basics, "layout_basics"),
        (sections, "layout_sections"),
        (helpdesk, "layout_navigation"),
        (paginated, "layout_paginated"),
    ],
)
async def test_layout_states_are_sent_with_the_v2_flag_and_no_content(flow: Flow, command: str) -> None:
    async with Harness([flow]) as h:
        reply = await h.command(command)
        data = reply.callback["data"]  # type: ignore[index]
        assert data["flags"] & V2
        assert data.get("content") is None and not data.get("embeds")
        assert h.message["flags"] & V2  # type: ignore[index]


async def test_sections_toggle_and_navigate_between_layout_states() -> None:
    async with Harness([sections]) as h:
        await h.command("layout_sections")
        types = [c["type"] for c in h.message["components"]]  # type: ignore[index]
        assert types[0] == 9 and 17 in types and 14 in types  # section, container, separator
        first = h.labels()[0]
        await h.click(first)
        assert h.labels()[0] != first
        await h.click("Reset…")
        assert h.session().state == "confirm"
        await h.click("Keep my settings")
        assert h.session().state == "page"


async def test_a_paginated_button_group_pages_and_keeps_custom_ids() -> None:
    async with Harness([paginated]) as h:
        await h.command("layout_paginated")
        assert h.labels()[:4] == ["January", "February", "March", "April"]
        prev, nxt = h.button("← Previous"), h.button("Next →")
        assert prev["disabled"] is True and nxt["disabled"] is False
        await h.click("Next →")
        assert h.labels()[:4] == ["May", "June", "July", "August"]
        assert h.button("June")["custom_id"].endswith(":month.june")
        await h.click("June")
        assert h.session().data["month"] == "June"
        assert h.session().page == 1
        reply = await h.click("Confirm")
        assert reply.type == UPDATE and len(h.manager.sessions) == 0


async def test_confirm_without_a_choice_is_refused_by_the_guard() -> None:
    async with Harness([paginated]) as h:
        await h.command("layout_paginated")
        reply = await h.click("Confirm")
        assert reply.ephemeral_text == "Pick a month first."
        assert h.session().state == "pick"


async def test_switching_modes_edits_into_v2_and_posts_anew_back_to_embeds() -> None:
    async with Harness([switch]) as h:
        await h.command("mode_switch")
        assert not h.message["flags"] & V2  # type: ignore[index]
        first_id = h.menu_id
        reply = await h.click("Modern view")
        assert reply.type == UPDATE and reply.callback["data"]["flags"] & V2  # type: ignore[index]
        assert h.message["flags"] & V2 and h.message["content"] == ""  # type: ignore[index]
        reply = await h.click("Classic view")
        assert reply.type == 4  # a v2 message cannot become classic again: a new message
        new = h.discord.message_for_token(reply.token)
        assert new is not None and not new["flags"] & V2 and new["content"] == "Classic view (embeds)"
        old = h.discord.messages[first_id]  # type: ignore[index]
        assert [c["type"] for c in old["components"]] == [10]  # replaced by a short note
        h.menu_id = int(new["id"])
        await h.click("Add a coffee")
        assert "coffee x 2" in h.message["embeds"][0]["description"]  # type: ignore[index]


async def test_embeds_and_layout_in_one_render_is_a_clear_error() -> None:
    from flowfsm.define.layout import Text
    from flowfsm.engine.render import render_screen
    from flowfsm.errors import RenderError

    flow = Flow("both")
    flow.add_state("a", lambda ctx: Screen("a"), initial=True)
    flow.compile()
    with pytest.raises(
        RenderError, match=r"flow 'both', state 'a': a layout screen cannot also have content"
    ):
        render_screen(flow, "a", "abcdefgh", Screen(content="hi", layout=[Text("x")]))


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_a_layout_file_is_uploaded_with_the_message(rest_bot: bool) -> None:
    import hikari

    from flowfsm.define.layout import File, Text

    flow = Flow("report")

    @flow.state(initial=True)
    def show(ctx: Context) -> Screen:
        return Screen(
            layout=[Text("## Monthly report"), File("attachment://report.csv")],
            attachments=[hikari.Bytes(b"month,total\nJan,3\n", "report.csv")],
        )

    async with Harness([flow], rest_bot=rest_bot) as h:
        await h.command("report")
        assert h.message is not None
        assert h.message["flags"] & V2
        assert [a["filename"] for a in h.message["attachments"]] == ["report.csv"]
        files = [c for c in h.message["components"] if c["type"] == 13]
        assert files and files[0]["file"]["url"] == "attachment://report.csv"
