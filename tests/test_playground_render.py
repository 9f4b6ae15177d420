"""The playground's Discord message JSON -> HTML renderer, without a browser.

Component JSON is built with hikari's own builders where hikari has them, so the renderer is
checked against the shapes the engine really sends; the rest is Discord-shaped JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

import hikari
import hikari.impl as hi
import pytest

from flowfsm.testing import Harness, payloads
from flowfsm.tools.playground.render_html import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    LOADING,
    Directory,
    markdown,
    render_components,
    render_embed,
    render_message,
    render_modal,
)

_ENTITIES = hikari.RESTBot("x", "Bot", banner=None, suppress_optimization_warning=True).entity_factory


@pytest.fixture
async def weather_message() -> dict[str, Any]:
    """The quick-start menu message as the engine sends it and the fake Discord stores it."""
    from examples.quickstart import weather

    async with Harness([weather]) as h:
        await h.command("weather")
        assert h.message is not None
        return dict(h.message)


def _json(builder: Any) -> dict[str, Any]:
    """A hikari builder's payload as plain JSON (what hikari sends to Discord)."""
    return json.loads(json.dumps(builder.build()[0]))


def _message(**fields: Any) -> dict[str, Any]:
    msg = payloads.message(message_id=77, channel_id=5000, application_id=4242)
    msg.update(fields)
    return msg


# -- content --------------------------------------------------------------------------------------------


def test_markdown_escapes_html_and_draws_discord_markup() -> None:
    out = markdown("**bold** *it* __u__ ~~s~~ `x<y` <script>alert(1)</script>")
    assert "<strong>bold</strong>" in out and "<em>it</em>" in out and "<u>u</u>" in out and "<s>s</s>" in out
    assert '<code class="md-code">x&lt;y</code>' in out
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_markdown_blocks_mentions_and_links() -> None:
    directory = Directory(users=((1001, "alice"),), roles=((3001, "Mods"),), channels=((222, "general"),))
    text = "# Title\n> quoted\n- item\n-# small\n<@1001> <@&3001> <#222> [docs](https://example.com/a)\n```\nx = 1\n```"
    out = markdown(text, directory)
    assert '<h1 class="md-h1">Title</h1>' in out
    assert '<blockquote class="md-quote">quoted</blockquote>' in out
    assert "<li>item</li>" in out and '<div class="md-subtext">small</div>' in out
    assert "@alice" in out and "@Mods" in out and "#general" in out
    assert '<a class="md-link" href="https://example.com/a"' in out
    assert '<pre class="md-pre"><code>x = 1</code></pre>' in out


def test_markdown_refuses_script_links() -> None:
    out = markdown("[click](javascript:alert(1))")
    assert "<a " not in out


# -- embeds ---------------------------------------------------------------------------------------------


def test_embed_has_colour_bar_fields_footer_and_image_placeholders() -> None:
    embed = hikari.Embed(title="Weather", description="**22** °C", color=0x3B88C3, url="https://example.com")
    embed.add_field("Wind", "12 km/h", inline=True).add_field("Rain", "none", inline=True)
    embed.add_field("Note", "long text")
    embed.set_footer("reading #1").set_thumbnail("https://cdn.example/t.png").set_image(
        "https://cdn.example/i.png"
    )
    embed.set_author(name="Met office")
    data = json.loads(json.dumps(_ENTITIES.serialize_embed(embed)[0]))
    out = render_embed(data)
    assert 'style="border-left-color:#3b88c3"' in out
    assert '<a href="https://example.com"' in out and "Weather" in out
    assert "<strong>22</strong>" in out
    assert out.count('class="embed-field inline"') == 2 and out.count('class="embed-field"') == 1
    assert "reading #1" in out and "Met office" in out
    assert 'class="media media-thumbnail"' in out and 'class="media media-image"' in out
    assert "<img" not in out  # placeholders only: the page loads nothing from the network


# -- buttons and selects --------------------------------------------------------------------------------


def test_buttons_styles_emoji_disabled_and_links() -> None:
    row = hi.MessageActionRowBuilder()
    row.add_interactive_button(hikari.ButtonStyle.PRIMARY, "ff:a:1", label="Go", emoji="🔄")
    row.add_interactive_button(hikari.ButtonStyle.SECONDARY, "ff:a:2", label="Later")
    row.add_interactive_button(hikari.ButtonStyle.SUCCESS, "ff:a:3", label="Yes")
    row.add_interactive_button(hikari.ButtonStyle.DANGER, "ff:a:4", label="No", is_disabled=True)
    row.add_link_button("https://example.com/x", label="Docs")
    out = render_components([_json(row)], message_id="77")
    assert '<div class="action-row">' in out
    for style in ("primary", "secondary", "success", "danger"):
        assert f'class="btn btn-{style}"' in out
    assert '<span class="emoji">🔄</span><span class="label">Go</span>' in out
    assert re.search(r'data-custom-id="ff:a:4"[^>]*disabled', out)
    assert not re.search(r'data-custom-id="ff:a:1"[^>]*disabled', out)
    assert 'data-message-id="77"' in out
    assert '<a class="btn btn-link" href="https://example.com/x"' in out


def test_custom_emoji_is_drawn_by_name() -> None:
    node = {"type": 2, "style": 2, "custom_id": "x", "emoji": {"id": "123", "name": "party"}}
    assert ":party:" in render_components([{"type": 1, "components": [node]}])


def test_string_select_options_defaults_and_limits() -> None:
    row = hi.MessageActionRowBuilder()
    menu = row.add_text_menu("ff:s:1", placeholder="Pick fruit", min_values=1, max_values=2)
    menu.add_option("Apple", "apple", description="red", emoji="🍎", is_default=True).add_option(
        "Pear", "pear"
    )
    out = render_components([_json(row)], message_id="9")
    assert 'data-component-type="3"' in out and 'data-min="1"' in out and 'data-max="2"' in out
    assert 'type="checkbox"' in out and 'value="apple" checked' in out and 'value="pear">' in out
    assert '<span class="option-description">red</span>' in out
    assert '<span class="select-value">Apple</span>' in out  # the default shows in place of the placeholder


def test_single_select_uses_radio_and_shows_placeholder() -> None:
    node = {
        "type": 3,
        "custom_id": "c",
        "placeholder": "Choose one",
        "options": [{"label": "A", "value": "a"}],
    }
    out = render_components([{"type": 1, "components": [node]}])
    assert 'type="radio"' in out and '<span class="placeholder">Choose one</span>' in out


def test_auto_populated_selects_offer_the_directory() -> None:
    directory = Directory(users=((1, "ann"), (2, "bob")), roles=((5, "Mods"),), channels=((9, "general"),))
    kinds = {
        hikari.ComponentType.USER_SELECT_MENU: ["@ann", "@bob"],
        hikari.ComponentType.ROLE_SELECT_MENU: ["@Mods"],
        hikari.ComponentType.MENTIONABLE_SELECT_MENU: ["@ann", "@bob", "@Mods"],
        hikari.ComponentType.CHANNEL_SELECT_MENU: ["#general"],
    }
    for kind, labels in kinds.items():
        row = hi.MessageActionRowBuilder()
        row.add_select_menu(kind, f"ff:{int(kind)}", placeholder="Who?", is_disabled=kind == 8)
        out = render_components([_json(row)], directory=directory)
        assert f'data-component-type="{int(kind)}"' in out
        assert re.findall(r'class="option-label">([^<]*)<', out) == labels
    assert 'class="select-toggle" type="button" disabled' in out  # the channel select was disabled


def test_components_disabled_all_at_once() -> None:
    node = {"type": 2, "style": 1, "custom_id": "x", "label": "Go"}
    assert "disabled" in render_components([{"type": 1, "components": [node]}], disabled=True)


# -- Components v2 --------------------------------------------------------------------------------------


def test_components_v2_tree() -> None:
    container = hi.ContainerComponentBuilder(accent_color=hikari.Color(0xFF0000), spoiler=True)
    container.add_text_display("Hello **world**")
    container.add_separator(divider=True, spacing=hikari.SpacingType.LARGE)
    section = hi.SectionComponentBuilder(
        accessory=hi.InteractiveButtonBuilder(
            style=hikari.ButtonStyle.PRIMARY, custom_id="ff:v:1", label="Open"
        )
    )
    section.add_text_display("section text")
    container.add_component(section)
    thumb_section = hi.SectionComponentBuilder(
        accessory=hi.ThumbnailComponentBuilder(media="https://x/y.png")
    )
    thumb_section.add_text_display("with a picture")
    container.add_component(thumb_section)
    gallery = hi.MediaGalleryComponentBuilder()
    gallery.add_media_gallery_item("https://a/b.png", description="first").add_media_gallery_item(
        "https://a/c.png"
    )
    container.add_component(gallery)
    container.add_separator(divider=False, spacing=hikari.SpacingType.SMALL)
    container.add_file("attachment://report.txt")
    msg = _message(
        flags=IS_COMPONENTS_V2,
        components=[_json(container)],
        attachments=[{"id": "1", "filename": "report.txt", "size": 2048}],
    )
    out = render_message(msg)
    assert 'class="components v2"' in out
    assert 'class="v2-container accent spoiler" style="border-left-color:#ff0000"' in out
    assert '<div class="v2-text"><div class="md-line">Hello <strong>world</strong></div></div>' in out
    assert '<div class="v2-separator large"><hr class="v2-divider"></div>' in out
    assert '<div class="v2-separator small"></div>' in out
    assert 'class="v2-section"' in out and 'class="v2-accessory"><button class="btn btn-primary"' in out
    assert 'data-custom-id="ff:v:1"' in out
    assert 'class="v2-accessory"><div class="v2-thumbnail"><div class="media media-thumbnail"' in out
    assert 'class="v2-gallery n2"' in out and "first" in out
    assert '<span class="file-name">report.txt</span><span class="file-size">2.00 KB</span>' in out


def test_unknown_component_is_named_not_dropped() -> None:
    assert "component type 99" in render_components([{"type": 99}])


# -- whole messages -------------------------------------------------------------------------------------


def test_message_header_reply_line_and_ephemeral_marker() -> None:
    msg = _message(content="Hi <b>", flags=EPHEMERAL)
    out = render_message(msg, invoked_by="user1001", command="weather", seen_by="user2002")
    assert 'class="message ephemeral"' in out
    assert "Only you can see this · shown to user2002" in out
    assert '<span class="reply-user">user1001</span> used <span class="reply-command">/weather</span>' in out
    assert "Hi &lt;b&gt;" in out and '<span class="bot-tag">APP</span>' in out


def test_thinking_placeholder() -> None:
    out = render_message(_message(flags=LOADING))
    assert "flowbot is thinking" in out


def test_v2_message_ignores_legacy_fields() -> None:
    msg = _message(flags=IS_COMPONENTS_V2, content="legacy", components=[{"type": 10, "content": "new"}])
    out = render_message(msg)
    assert "legacy" not in out and "new" in out


def test_message_from_the_engine_renders(weather_message: dict[str, Any]) -> None:
    out = render_message(weather_message)
    assert "Weather in Paris" in out
    labels = re.findall(r'<span class="label">([^<]*)</span>', out)
    assert labels == ["Refresh", "Details", "Close", "Cancel", "Forecast"]


# -- modals ---------------------------------------------------------------------------------------------


def test_modal_with_text_inputs_in_rows() -> None:
    # The body hikari's REST client sends for a modal response (``create_modal_response``).
    row = hi.ModalActionRowBuilder().add_text_input("name", "Name", placeholder="New name", max_length=30)
    bio = hi.ModalActionRowBuilder().add_text_input(
        "bio", "Bio", style=hikari.TextInputStyle.PARAGRAPH, value="hi <3", required=False
    )
    data = {"title": "Rename item", "custom_id": "ff:inv:abc123:0:m", "components": [_json(row), _json(bio)]}
    out = render_modal(data)
    assert '<form class="modal" data-custom-id="ff:inv:abc123:0:m">' in out
    assert '<span class="modal-title">Rename item</span>' in out
    assert re.search(
        r'<input class="text-input" type="text" value=""[^>]*name="name"[^>]*placeholder="New name"', out
    )
    assert 'maxlength="30"' in out and "required" in out
    assert re.search(
        r'<textarea class="text-input" rows="4"[^>]*data-custom-id="bio"[^>]*>hi &lt;3</textarea>', out
    )
    assert '<span class="field-label">NAME<span class="required">*</span></span>' in out
    assert '<span class="field-label">BIO</span>' in out  # not required: no star


def test_modal_with_components_v2_labels() -> None:
    data = {
        "title": "Feedback",
        "custom_id": "ff:f:1",
        "components": [
            {"type": 10, "content": "Tell us **more**"},
            {
                "type": 18,
                "label": "Your note",
                "description": "at most 100 characters",
                "component": {"type": 4, "custom_id": "note", "style": 2, "max_length": 100},
            },
        ],
    }
    out = render_modal(data)
    assert "<strong>more</strong>" in out
    assert "YOUR NOTE" in out and "at most 100 characters" in out
    assert 'data-custom-id="note"' in out and "<textarea" in out
