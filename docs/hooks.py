"""MkDocs hooks for the flowfsm site (declared in ``mkdocs.yml``).

Three jobs, each failing the build rather than publishing something untrue:

* ``--8<-- "examples/guards.py#can_afford,buy"`` includes top-level definitions of a tested file
  by name (a function or class with its decorators, an assignment, or every top-level call
  starting with a given text such as ``store.transition(``). Names survive edits that would shift
  line ranges; a name that no longer exists stops the build.
* ``<!-- flowfsm-cli-help -->`` becomes the ``--help`` of ``flowfsm`` and of every subcommand,
  taken from the real argument parser.
* A ``python`` code block whose lines are not all includes stops the build: every piece of code
  in the guide comes from a file that the test suite runs (``examples/`` or ``tests/``).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
TESTED_DIRS = ("examples/", "tests/")

_NAMED_INCLUDE = re.compile(r'^(?P<indent>[ \t]*)--8<-- "(?P<path>[^"#]+\.py)#(?P<names>[^"]+)"[ \t]*$', re.M)
_PLAIN_INCLUDE = re.compile(r'^[ \t]*--8<-- "(?P<path>[^"]+)"[ \t]*$')
_PYTHON_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?:python|py)\b[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
_CLI_MARKER = "<!-- flowfsm-cli-help -->"


def _tested_path(path: str, page: str) -> Path:
    if not path.startswith(TESTED_DIRS):
        raise PluginError(f"{page}: code may only be included from {', '.join(TESTED_DIRS)}, not {path!r}")
    file = ROOT / path
    if not file.is_file():
        raise PluginError(f"{page}: included file {path!r} does not exist")
    return file


def _node_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    return set()


def _segment(lines: list[str], node: ast.stmt) -> str:
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)])
    assert node.end_lineno is not None
    return "\n".join(lines[start - 1 : node.end_lineno])


def extract(path: Path, selectors: list[str], page: str) -> str:
    """The source of the named top-level statements of ``path``, in the order asked for."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    body = ast.parse(source).body
    parts: list[str] = []
    for selector in selectors:
        if selector.endswith("("):  # every top-level call written as `selector...`
            found = [
                _segment(lines, node)
                for node in body
                if isinstance(node, ast.Expr) and _segment(lines, node).startswith(selector)
            ]
            if not found:
                raise PluginError(f"{page}: no top-level call starting with {selector!r} in {path.name}")
            parts.append("\n".join(found))
            continue
        matches = [node for node in body if selector in _node_names(node)]
        if not matches:
            raise PluginError(f"{page}: {path.name} has no top-level definition named {selector!r}")
        parts.append(_segment(lines, matches[-1]))
    return "\n\n".join(parts)


def _expand_named_includes(markdown: str, page: str) -> str:
    def replace(match: re.Match[str]) -> str:
        file = _tested_path(match["path"], page)
        selectors = [s.strip() for s in match["names"].split(",") if s.strip()]
        code = extract(file, selectors, page)
        return "\n".join(match["indent"] + line if line else line for line in code.splitlines())

    return _NAMED_INCLUDE.sub(replace, markdown)


def _check_python_blocks(markdown: str, page: str) -> None:
    for fence in _PYTHON_FENCE.finditer(markdown):
        for line in fence["body"].splitlines():
            include = _PLAIN_INCLUDE.match(line)
            if include:
                _tested_path(re.split(r"[:#]", include["path"])[0], page)
            elif line.strip():
                raise PluginError(
                    f"{page}: a python block holds code that no test runs ({line.strip()[:60]!r}); "
                    'include it from a tested file instead: --8<-- "examples/NAME.py#definition"'
                )


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommand parsers of ``parser``, by name."""
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


def cli_help() -> str:
    """``flowfsm --help`` and each subcommand's ``--help``, as Markdown sections."""
    from flowfsm.tools.cli import PROG, build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal; the page should not depend on it
    try:
        parser = build_parser()
        sections = [f"## `{PROG}`\n\n```text\n{parser.format_help().rstrip()}\n```"]
        for name, sub in subcommands(parser).items():
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                sub.print_help()
            sections.append(f"## `{PROG} {name}`\n\n```text\n{buffer.getvalue().rstrip()}\n```")
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n\n".join(sections)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Expand named includes and the CLI help, then refuse untested python blocks."""
    name = page.file.src_uri
    _check_python_blocks(markdown, name)
    markdown = _expand_named_includes(markdown, name)
    if _CLI_MARKER in markdown:
        markdown = markdown.replace(_CLI_MARKER, cli_help())
    return markdown
