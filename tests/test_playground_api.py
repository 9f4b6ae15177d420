"""The playground's HTTP API and live side, without a browser (aiohttp's test client).

Every action goes through the real path (hikari entity factory, event manager, miru client,
FlowManager, hikari REST, the loopback Discord); these tests read the answers and the log.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import hikari
import pytest
from aiohttp.test_utils import TestClient, TestServer

from examples.quickstart import weather
from flowfsm import Button, Context, Flow, GuardFailure, Screen
from flowfsm.playground.page import state_json
from flowfsm.playground.play import Modal, Playground
from flowfsm.playground.server import make_app, port_from_env
from flowfsm.playground.targets import discover

# A small flow with every outcome the log knows: moves, actions, guard refusals and errors.
checks = Flow("checks", timeout=60, description="Outcomes for the transition log")


def _refuse(ctx: Context) -> None:
    raise GuardFailure("You need a ticket first.")


def _crash(ctx: Context) -> None:
    raise RuntimeError("boom")


def _count(ctx: Context) -> None:
    ctx.data["n"] = ctx.data.get("n", 0) + 1


@checks.state(initial=True)
def lobby(ctx: Context) -> Screen:
    """Where it starts."""
    return Screen(
        content=f"Lobby, counted {ctx.data.get('n', 0)}",
        items=[
            Button("Enter", trigger="enter", style=hikari.ButtonStyle.PRIMARY),
            Button("Count", action=_count),
            Button("Guarded", action=_refuse),
            Button("Crash", action=_crash, style=hikari.ButtonStyle.DANGER),
        ],
    )


@checks.state()
def hall(ctx: Context) -> Screen:
    """Inside."""
    return Screen(content="Hall", items=[Button("Leave", trigger="leave")])


checks.transition("enter", "lobby", "hall")
checks.transition("leave", "hall", "lobby")


@pytest.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    play = Playground([weather, checks])
    await play.start()
    async with TestClient(TestServer(make_app(play))) as test_client:
        yield test_client
    await play.close()


async def _post(
    client: TestClient[Any, Any], path: str, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    response = await client.post(path, json=body)
    answer: dict[str, Any] = await response.json()
    assert response.status == status, answer
    return answer


def _button(answer: dict[str, Any], label: str) -> dict[str, Any]:
    """The message id and custom id of the component labelled ``label`` in the answer's messages."""
    for message in answer["state"]["view"]["messages"]:
        for row in message["components"]:
            for component in row.get("components", ()):
                if component.get("label") == label:
                    return {"message_id": message["id"], "custom_id": component["custom_id"], "label": label}
    raise AssertionError(f"no {label!r} button")


async def test_page_and_static_files(client: TestClient[Any, Any]) -> None:
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    assert 'data-flow="weather"' in html and 'data-flow="checks"' in html
    assert '<script src="/static/playground.js">' in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing loaded from elsewhere
    for name in ("playground.js", "playground.css"):
        assert (await client.get(f"/static/{name}")).status == 200
    assert (await client.get("/static/../server.py")).status == 404
    assert (await client.get("/static/nope.js")).status == 404


async def test_start_click_back_and_diagram(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "weather", "user": 1001})
    view = answer["state"]["view"]
    assert view["state"] == "report" and view["path"] == ["report"] and view["owner"] == 1001
    assert "Weather in Paris" in answer["fragments"]["channel"]
    assert "user1001</span> used" in answer["fragments"]["channel"]
    assert re.search(r'class="node[^"]*ff-current[^"]*" data-state="report"', answer["fragments"]["diagram"])

    answer = await _post(client, "/api/component", _button(answer, "Details"))
    view = answer["state"]["view"]
    assert view["state"] == "details" and view["path"] == ["report", "details"]
    entry = view["log"][-1]
    assert (entry["trigger"], entry["source"], entry["dest"], entry["outcome"]) == (
        "details",
        "report",
        "details",
        "moved",
    )
    assert "Temperature" in answer["fragments"]["channel"]
    diagram = answer["fragments"]["diagram"]
    assert re.search(r'class="node[^"]*ff-current[^"]*" data-state="details"', diagram)
    assert re.search(r'class="node[^"]*ff-visited[^"]*" data-state="report"', diagram)
    assert 'class="edge ff-transition ff-visited ff-walked"' in diagram

    answer = await _post(client, "/api/component", _button(answer, "Back"))
    assert answer["state"]["view"]["path"] == ["report", "details", "report"]
    assert 'id="current-state">report<' in answer["fragments"]["status"]


async def test_other_user_gets_not_your_menu(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "weather", "user": 1001})
    details = _button(answer, "Details")
    answer = await _post(client, "/api/user", {"user": 2002})
    assert answer["state"]["acting"] == 2002
    answer = await _post(client, "/api/component", details)
    view = answer["state"]["view"]
    assert view["state"] == "report"
    entry = view["log"][-1]
    assert entry["outcome"] == "refused" and entry["user"] == "user2002"
    assert "belongs to someone else" in entry["detail"]
    ephemeral = [m for m in view["messages"] if m["flags"] & 64]
    assert [m["content"] for m in ephemeral] == [entry["detail"]]
    assert "Only you can see this · shown to user2002" in answer["fragments"]["channel"]


async def test_advance_clock_expires_and_disables(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "weather"})
    assert "expires in 300 s" in answer["fragments"]["status"]
    answer = await _post(client, "/api/advance", {})
    view = answer["state"]["view"]
    assert view["ended"] and view["log"][-1]["outcome"] == "expired" and view["log"][-1]["source"] == "report"
    menu = view["messages"][0]
    buttons = [c for row in menu["components"] for c in row["components"] if "custom_id" in c]
    assert buttons and all(c["disabled"] for c in buttons)
    assert "ended" in answer["fragments"]["status"]
    tags = re.findall(r'<button [^>]*data-custom-id="ff:[^>]*>', answer["fragments"]["channel"])
    assert tags and all(tag.endswith(" disabled>") for tag in tags)
    # A click on the expired menu is answered, not silent.
    answer = await _post(client, "/api/component", _button(answer, "Details"))
    assert answer["state"]["view"]["log"][-1]["outcome"] == "refused"
    assert "expired" in answer["state"]["view"]["log"][-1]["detail"]


async def test_log_records_actions_guards_and_errors(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "checks"})
    answer = await _post(client, "/api/component", _button(answer, "Count"))
    entry = answer["state"]["view"]["log"][-1]
    assert (entry["trigger"], entry["outcome"], entry["source"], entry["dest"]) == (
        "_count()",
        "stayed",
        "lobby",
        "lobby",
    )
    assert "counted 1" in answer["fragments"]["channel"]

    answer = await _post(client, "/api/component", _button(answer, "Guarded"))
    entry = answer["state"]["view"]["log"][-1]
    assert entry["outcome"] == "guard" and entry["detail"] == "You need a ticket first."

    answer = await _post(client, "/api/component", _button(answer, "Crash"))
    entry = answer["state"]["view"]["log"][-1]
    assert entry["outcome"] == "error" and "RuntimeError: boom" in entry["detail"] and entry["ended"]
    assert answer["state"]["view"]["ended"]
    assert 'data-outcome="error"' in answer["fragments"]["log"]


async def test_bad_requests_name_the_problem(client: TestClient[Any, Any]) -> None:
    assert "start a flow first" in (await _post(client, "/api/advance", {}, status=400))["error"]
    assert (
        "no flow named 'nope'" in (await _post(client, "/api/start", {"flow": "nope"}, status=400))["error"]
    )
    assert "unknown user 5" in (await _post(client, "/api/user", {"user": 5}, status=400))["error"]
    assert "missing field 'flow'" in (await _post(client, "/api/start", {}, status=400))["error"]
    response = await client.post("/api/start", data="not json", headers={"Content-Type": "application/json"})
    assert response.status == 400
    await _post(client, "/api/start", {"flow": "weather"})
    assert "no modal is open" in (await _post(client, "/api/modal", {"fields": {}}, status=400))["error"]


async def test_select_previews_another_flow(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/select", {"flow": "checks"})
    assert 'data-state="lobby"' in answer["fragments"]["diagram"]
    assert "ff-current" not in answer["fragments"]["diagram"].split('data-state="lobby"')[0][-200:]


async def test_state_endpoint(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/state")
    state = await response.json()
    assert [f["name"] for f in state["flows"]] == ["weather", "checks"]
    assert state["users"] == [{"id": 1001, "name": "user1001"}, {"id": 2002, "name": "user2002"}]
    assert state["view"] is None


async def test_modal_submit_goes_through_hikari_and_miru() -> None:
    """A modal submit is a MODAL_SUBMIT interaction deserialized by hikari and routed by miru to the
    flow manager's modal hook, which answers it (whatever the engine's modal support says)."""
    async with Playground([weather]) as play:
        view = await play.run_command("weather")
        session = view.session
        assert session is not None
        message_id = int(play.messages()[0]["id"])
        view.modal = Modal(
            {"title": "T", "custom_id": f"ff:weather:{session.id}:0:m"}, 1001, message_id, view.channel_id
        )
        entry = await play.submit_modal({"name": "x"})
        assert entry.action == "submit modal 'T'"
        assert view.modal is None
        interactions = [r for r in play.harness.discord.requests if r.path.endswith("/callback")]
        assert interactions[-1].json is not None  # the manager answered the modal interaction
        assert entry.outcome in ("refused", "moved", "stayed", "guard")


def test_discover_reports_broken_modules(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "someflows"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text(
        "from flowfsm import Flow, Screen\n"
        "good = Flow('good')\n"
        "@good.state(initial=True)\n"
        "def start(ctx):\n    return Screen('hi')\n"
    )
    (package / "broken.py").write_text("raise ImportError('missing optional thing')\n")
    (package / "helpers.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover(["someflows"])
    assert [f.name for f in found.flows] == ["good"]
    assert (
        len(found.errors) == 1
        and "someflows.broken" in found.errors[0]
        and "missing optional" in found.errors[0]
    )
    assert [f.name for f in discover(["someflows.good:good"]).flows] == ["good"]


def test_discover_finds_the_examples() -> None:
    found = discover()
    assert "weather" in [f.name for f in found.flows]
    assert len({f.name for f in found.flows}) == len(found.flows)


def test_port_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWFSM_PORT", raising=False)
    assert port_from_env() == 8765
    monkeypatch.setenv("FLOWFSM_PORT", "9001")
    assert port_from_env() == 9001
    monkeypatch.setenv("FLOWFSM_PORT", "http")
    with pytest.raises(SystemExit, match="FLOWFSM_PORT must be a port number"):
        port_from_env()


async def test_state_json_of_a_fresh_playground() -> None:
    async with Playground([weather]) as play:
        assert state_json(play)["view"] is None
        assert play.remaining() is None


async def test_sub_flow_moves_and_its_diagram() -> None:
    """A sub-flow call is logged from the tracer; the diagram follows the session into the child flow."""
    from examples.subflow import loadout, weapons

    async with Playground([loadout, weapons]) as play:
        app = make_app(play)
        async with TestClient(TestServer(app)) as test_client:
            answer = await _post(test_client, "/api/start", {"flow": "loadout"})
            answer = await _post(test_client, "/api/component", _button(answer, "Change weapon"))
            view = answer["state"]["view"]
            assert (view["current_flow"], view["state"]) == ("weapons", "pick")
            assert view["log"][-1]["moves"][0]["kind"] == "subflow"
            assert "in sub-flow weapons" in view["log"][-1]["detail"]
            assert re.search(r'ff-current[^"]*" data-state="pick"', answer["fragments"]["diagram"])
            answer = await _post(test_client, "/api/component", _button(answer, "Bow"))
            view = answer["state"]["view"]
            assert (view["current_flow"], view["state"]) == ("loadout", "editor")
            assert view["full_path"] == [["loadout", "editor"], ["weapons", "pick"], ["loadout", "editor"]]
            assert view["log"][-1]["moves"][0]["kind"] == "complete"
            assert "Bow" in answer["fragments"]["channel"]


async def test_composer_sends_commands_and_text_input() -> None:
    """``/command`` starts the flow answering it; other text is a message the flow may read."""
    from examples.behaviours import behaviours

    async with Playground([behaviours]) as play:
        async with TestClient(TestServer(make_app(play))) as test_client:
            answer = await _post(test_client, "/api/send", {"text": "/behaviours"})
            assert answer["state"]["view"]["state"] == "home"
            answer = await _post(test_client, "/api/component", _button(answer, "Rename"))
            answer = await _post(test_client, "/api/send", {"text": "Ada"})
            assert answer["state"]["view"]["log"][-1]["action"] == "say 'Ada'"
            assert "Renamed to Ada." in answer["fragments"]["channel"]
            assert (
                "no flow answers /nope"
                in (await _post(test_client, "/api/send", {"text": "/nope"}, 400))["error"]
            )


async def test_the_users_locale_can_be_chosen() -> None:
    from examples.i18n import bakery

    play = Playground([bakery])
    await play.start()
    try:
        async with TestClient(TestServer(make_app(play))) as client:
            answer = await _post(client, "/api/locale", {"locale": "de"})
            assert answer["state"]["locale"] == "de"
            assert '<option value="de" selected>' in answer["fragments"]["locale"]
            answer = await _post(client, "/api/start", {"flow": "bakery", "user": 1001})
            assert "Die Dorfbäckerei" in answer["fragments"]["channel"]
            answer = await _post(client, "/api/component", _button(answer, "Korb"))
            assert (
                "Zurück" in answer["fragments"]["channel"] and "Abbrechen" in answer["fragments"]["channel"]
            )
            answer = await _post(client, "/api/locale", {"locale": "en-US"})
            answer = await _post(client, "/api/start", {"flow": "bakery", "user": 1001})
            assert "The village bakery" in answer["fragments"]["channel"]
            await _post(client, "/api/locale", {"locale": "xx"}, status=400)
    finally:
        await play.close()


async def test_metrics_panel_shows_the_managers_counters(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "checks", "user": 1001})
    assert answer["state"]["metrics"]["sessions_started"] == 1
    answer = await _post(client, "/api/component", _button(answer, "Guarded"))
    answer = await _post(client, "/api/component", _button(answer, "Enter"))
    metrics = answer["state"]["metrics"]
    assert metrics["refusals guard"] == 1
    assert metrics["transitions"] == 1
    assert metrics["steps"] == 3
    assert metrics["sessions_open"] == 1
    panel = answer["fragments"]["metrics"]
    assert "refusals guard" in panel and "transitions" in panel
    assert 'id="metrics"' in await (await client.get("/")).text()
