"""The flow's diagram beside the message: SVG from :func:`flowfsm.tools.diagram.to_svg`, marked for the page.

The SVG comes from the project's diagram module; here it only gets classes the page styles and
the browser test reads: every state node ``<g class="node">`` gets ``data-state`` and
``ff-state``; the current one ``ff-current``, states on the path so far ``ff-visited``, and the
edges walked along the path ``ff-walked``.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Collection, Sequence

from flowfsm.define.flow import Flow

__all__ = ["diagram_svg", "mark_svg"]

_GROUP = re.compile(r'<g id="(?P<id>[^"]*)" class="(?P<cls>[^"]*)">\s*<title>(?P<title>[^<]*)</title>')


def mark_svg(
    svg: str, *, current: str | None, path: Sequence[str], states: Collection[str] | None = None
) -> str:
    """Add the playground's classes to the node and edge groups of a Graphviz SVG.

    Node titles are state names (only names in ``states`` count as states when it is given);
    edge titles are ``source->dest`` (Graphviz writes ``->`` as ``&#45;&gt;``). Classes already
    there (the diagram module's own ``ff-*`` marks) are kept.
    """
    visited = set(path)
    walked = set(itertools.pairwise(path))

    def mark(m: re.Match[str]) -> str:
        title = html.unescape(m["title"])
        classes = html.unescape(m["cls"]).split()
        extra = ""
        if "node" in classes and (states is None or title in states):
            classes.append("ff-state")
            if title in visited:
                classes.append("ff-visited")
            if title == current:
                classes.append("ff-current")
            extra = f' data-state="{html.escape(title, quote=True)}"'
        elif "edge" in classes:
            source, _, dest = title.partition("->")
            if (source.split(":")[0], dest.split(":")[0]) in walked:
                classes.append("ff-walked")
        unique = " ".join(dict.fromkeys(classes))
        group = f'<g id="{m["id"]}" class="{html.escape(unique, quote=True)}"{extra}>'
        return f"{group}\n<title>{m['title']}</title>"

    svg = _GROUP.sub(mark, svg)
    # Drop the XML prologue and the fixed size so the SVG sits inline and scales to its panel.
    svg = svg[svg.find("<svg") :] if "<svg" in svg else svg
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="diagram-svg"', svg, count=1)


def diagram_svg(flow: Flow, *, current: str | None, path: Sequence[str]) -> str:
    """The flow's diagram as inline SVG markup, marked with the current state and the path."""
    try:
        from flowfsm.tools.diagram import to_svg

        svg = to_svg(flow, current=current, path=tuple(path))
    except Exception as exc:  # the page still works without its diagram
        return f'<div class="diagram-error">no diagram: {html.escape(str(exc))}</div>'
    return mark_svg(svg, current=current, path=path, states=flow.states)
