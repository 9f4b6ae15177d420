"""The playground on a shared menu: act as several users on one lobby, each click logged under
the user who made it, per-user data and cooldown refusals shown (no browser: the live side)."""

from __future__ import annotations

from typing import Any

from examples.lobby import lobby
from examples.quickstart import weather
from flowfsm.testing.harness import components_of
from flowfsm.tools.playground.page import state_json, status
from flowfsm.tools.playground.play import DEFAULT_USERS, SHARED_USERS, Playground


def _button(play: Playground, label: str) -> tuple[int, str]:
    message = play.messages()[0]
    found = next(c for c in components_of(message) if c.get("label") == label)
    return int(message["id"]), str(found["custom_id"])


async def click(play: Playground, label: str, user: int) -> Any:
    play.set_user(user)
    message_id, custom_id = _button(play, label)
    return await play.component(message_id, custom_id, label=label)


async def test_several_users_play_one_lobby() -> None:
    async with Playground([lobby, weather]) as play:
        assert play.users == [*DEFAULT_USERS, *SHARED_USERS]  # four users for a shared menu
        host, ann, ben, cat = (user.id for user in play.users)
        await play.run_command("lobby", user_id=host)
        for user in (ann, ben):
            entry = await click(play, "Join", user)
            assert entry.outcome == "stayed" and entry.user == f"user{user}"
            assert entry.detail.startswith(f"told user{user}: You joined the lobby")
        refused = await click(play, "Join", ben)
        assert refused.outcome == "refused" and refused.detail == "Slow down: try again in 2 s."
        late = await click(play, "Join", cat)
        assert late.outcome == "stayed" and "4/4 joined" in play.messages()[0]["content"]
        view = state_json(play)["view"]
        assert view["access"] == "shared: anyone in the channel"
        assert {user: data["joined"] for user, data in view["members"].items()} == {
            str(host): True,
            str(ann): True,
            str(ben): True,
            str(cat): True,
        }
        assert "shared: anyone in the channel, 4 clicked" in status(play)
        clickers = [e.clicker for e in play.tracer if e.kind == "start"]
        assert clickers == [host]


async def test_a_playground_without_shared_flows_keeps_two_users() -> None:
    async with Playground([weather]) as play:
        assert play.users == list(DEFAULT_USERS)
        assert play.harness.roles[DEFAULT_USERS[1].id] == [3002]
