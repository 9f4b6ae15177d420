"""Griffe extension for the API reference: Sphinx-style roles in docstrings as Markdown code.

flowfsm's docstrings are Google style with reStructuredText roles (``:class:`Flow```), which
read well in ``help()`` and in the source. Markdown would show the role verbatim, so each role
becomes a code span (``:class:`~flowfsm.define.layout.Text``` → `` `Text` ``), and a reST literal
marker ``Example::`` becomes ``Example:`` (the indented block under it is already code).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?:class|meth|func|data|attr|mod|exc|obj|const):`(?P<tilde>~?)(?P<target>[^`]+)`"
)
_LITERAL_MARKER = re.compile(r"(?m)^(?P<text>\s*\S[^\n]*?)::$")
_DOUBLE_BACKTICKS = re.compile(r"``(?P<code>[^`]+)``")


def _code(match: re.Match[str]) -> str:
    target = match["target"]
    return f"`{target.rsplit('.', 1)[-1] if match['tilde'] else target}`"


def to_markdown(text: str) -> str:
    """A docstring with its reST roles, literal markers and double backticks made Markdown."""
    text = _ROLE.sub(_code, text)
    text = _LITERAL_MARKER.sub(lambda m: f"{m['text']}:\n", text)
    return _DOUBLE_BACKTICKS.sub(lambda m: f"`{m['code']}`", text)


class RestRoles(griffe.Extension):
    """Rewrite every docstring that griffe loads (modules, classes, functions, attributes)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
