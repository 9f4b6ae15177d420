"""The local playground: click through any flow in a browser, as a Discord user would, without a token.

One :class:`~flowfsm.testing.Harness` runs every flow in-process; each click in the page is a
Discord-shaped interaction going through hikari, the real miru client and the flow manager, and
the page draws what the loopback Discord holds. Beside the message: the flow's diagram with the
current state and path, and the transition log.

Modules: :mod:`~flowfsm.tools.playground.play` (the live side), :mod:`~flowfsm.tools.playground.server`
(HTTP), :mod:`~flowfsm.tools.playground.page` and :mod:`~flowfsm.tools.playground.render_html` (HTML),
:mod:`~flowfsm.tools.playground.diagram_view`, :mod:`~flowfsm.tools.playground.targets` (finding flows),
:mod:`~flowfsm.tools.playground.bot` (the real bot for ``flowfsm run``), :mod:`~flowfsm.tools.playground.cli`.
"""

from flowfsm.tools.playground.cli import add_cli

__all__ = ["add_cli"]
