"""Message behaviours: ephemeral states, each cleanup policy, and a text-input state.

* ``secret`` is ephemeral while ``home`` is public: moving between them posts a new message
  (a public message cannot become ephemeral), and the old one is stripped of its buttons.
* ``posted_delete`` / ``posted_strip`` / ``posted_replace`` declare a cleanup policy: entering
  them posts a new message and the previous one is deleted, stripped of its components, or
  replaced by a short note. The flow itself edits in place (``cleanup="edit"``, the default).
* ``rename`` reads the user's next message in the channel as input and deletes it. It needs the
  MESSAGE_CONTENT intent (``hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT``);
  without it, registering the flow fails with a clear error.

Precedence of the cleanup policy, strongest first: the clicked button's ``cleanup=``, the entered
state's ``cleanup=``, the flow's ``cleanup=``; ephemerality: the screen's, the state's, the flow's.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen

behaviours = Flow("behaviours", description="Ephemeral states, cleanup policies, text input")


@behaviours.state(initial=True)
def home(ctx: Context) -> Screen:
    """The public home screen."""
    name = ctx.data.get("name", "stranger")
    return Screen(
        f"Hello, {name}!",
        items=[
            Button("Private view", trigger="secret", emoji="🔒"),
            Button("New message, delete old", trigger="post_delete"),
            Button("New message, strip old", trigger="post_strip"),
            Button("New message, replace old", trigger="post_replace"),
            Button("Rename", trigger="rename", style=hikari.ButtonStyle.PRIMARY),
        ],
    )


@behaviours.state(ephemeral=True)
def secret(ctx: Context) -> Screen:
    """Only the user sees this."""
    return Screen("Only you can see this.", items=[Button("Back home", trigger="home")])


@behaviours.state(cleanup="delete")
def posted_delete(ctx: Context) -> Screen:
    """Entered with a new message; the old one is deleted."""
    return Screen("A new message (the old one was deleted).", items=[Button("Home", trigger="home")])


@behaviours.state(cleanup="strip")
def posted_strip(ctx: Context) -> Screen:
    """Entered with a new message; the old one keeps its text but loses its buttons."""
    return Screen("A new message (the old one lost its buttons).", items=[Button("Home", trigger="home")])


@behaviours.state(cleanup="replace")
def posted_replace(ctx: Context) -> Screen:
    """Entered with a new message; the old one becomes a short note."""
    return Screen("A new message (the old one became a note).", items=[Button("Home", trigger="home")])


def take_name(ctx: Context, text: str) -> None:
    """Text input handler: the user's next message becomes their name."""
    ctx.data["name"] = text.strip()[:32] or "stranger"
    ctx.state["done"] = True


@behaviours.state(on_message=take_name, delete_message=True)
def rename(ctx: Context) -> Screen:
    """Waits for the user's next message in this channel."""
    if ctx.state.get("done"):
        return Screen(f"Renamed to {ctx.data['name']}.", items=[Button("Home", trigger="home")])
    return Screen("Type your new name in this channel.", items=[Button("Cancel rename", trigger="home")])


behaviours.transition("secret", "home", "secret")
behaviours.transition("post_delete", "home", "posted_delete")
behaviours.transition("post_strip", "home", "posted_strip")
behaviours.transition("post_replace", "home", "posted_replace")
behaviours.transition("rename", "home", "rename")
behaviours.transition("home", ["secret", "posted_delete", "posted_strip", "posted_replace", "rename"], "home")


def main() -> None:
    """Run on Discord: /behaviours (needs the MESSAGE_CONTENT intent for the rename state)."""
    from examples._bot import run_bot

    run_bot([behaviours])


if __name__ == "__main__":
    main()
