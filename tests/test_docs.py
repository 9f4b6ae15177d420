"""The documentation site builds with ``--strict``, documents every public name and every
command, and shows only code that the test suite runs (the guide's includes, and the examples in
the docstrings that the API reference shows).

The build runs once per test session (a few seconds); the tests below read what it wrote.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import hikari
import pytest
from mkdocs.exceptions import PluginError

import flowfsm
import flowfsm.define.layout
import flowfsm.define.modals
import flowfsm.define.selects
import flowfsm.testing
import flowfsm.testing.harness
import flowfsm.testing.plugin
from examples.quickstart import weather
from flowfsm.testing import Harness, components_of
from flowfsm.tools.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _load_hooks() -> object:
    spec = importlib.util.spec_from_file_location("flowfsm_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` into a temporary directory; any warning fails it."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def test_site_builds_strict_with_every_nav_page(site: Path) -> None:
    for page in ["getting-started", "guide/hooks", "session-scope", "tools/testing", "reference/cli"]:
        assert (site / page / "index.html").is_file(), page
    assert 'class="mermaid"' in (site / "guide" / "navigation" / "index.html").read_text(encoding="utf-8")


def test_api_reference_documents_every_public_name(site: Path) -> None:
    core = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    for name in flowfsm.__all__:
        assert f'id="flowfsm.{name}"' in core, name
    testing = (site / "reference" / "testing" / "index.html").read_text(encoding="utf-8")
    for name in flowfsm.testing.__all__:
        assert f'id="flowfsm.testing.{name}"' in testing, name


def test_cli_page_shows_every_subcommand_help(site: Path) -> None:
    page = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    parser = build_parser()
    commands = hooks.subcommands(parser)  # type: ignore[attr-defined]
    assert len(commands) >= 6
    for name in commands:
        assert f"usage: flowfsm {name}" in page, name


def test_every_example_appears_in_the_docs() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    examples = [p.name for p in (ROOT / "examples").glob("*.py") if p.name != "__init__.py"]
    assert len(examples) >= 15
    missing = [name for name in examples if f"examples/{name}" not in pages]
    assert missing == [], f"examples no docs page shows or names: {missing}"


def test_named_include_takes_definitions_with_their_decorators() -> None:
    code = hooks.extract(ROOT / "examples" / "guards.py", ["is_admin", "store.transition("], "page")  # type: ignore[attr-defined]
    assert code.startswith('@guard(message="Only admins can open the admin panel.")\ndef is_admin(')
    assert code.rstrip().endswith('store.transition("admin", "shop", "admin", conditions=[is_admin])')


def test_named_include_of_a_missing_definition_stops_the_build() -> None:
    with pytest.raises(PluginError, match="no top-level definition named 'no_such_guard'"):
        hooks.extract(ROOT / "examples" / "guards.py", ["no_such_guard"], "page")  # type: ignore[attr-defined]


def test_python_block_with_untested_code_stops_the_build() -> None:
    markdown = 'Text.\n\n```python\n--8<-- "examples/guards.py#buy"\nprint("hi")\n```\n'
    with pytest.raises(PluginError, match="code that no test runs"):
        hooks._check_python_blocks(markdown, "page.md")  # type: ignore[attr-defined]
    hooks._check_python_blocks('```python\n--8<-- "examples/guards.py#buy"\n```\n', "page.md")  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match="may only be included from"):
        hooks._check_python_blocks('```python\n--8<-- "docs/hooks.py"\n```\n', "page.md")  # type: ignore[attr-defined]


# -- tests shown on the "Testing your flows" page ---------------------------------------------------


async def test_weather_details_and_back(flowfsm_harness: Harness) -> None:
    flowfsm_harness.manager.register(weather)
    await flowfsm_harness.command("weather", options={"city": "Lyon"})
    assert flowfsm_harness.message is not None
    assert flowfsm_harness.message["embeds"][0]["title"] == "Weather in Lyon"
    await flowfsm_harness.click("Details")
    assert flowfsm_harness.session().state == "details"
    assert flowfsm_harness.message["content"].startswith("Temperature")
    await flowfsm_harness.click("Back")
    assert flowfsm_harness.session().state == "report"


async def test_weather_expires_after_its_timeout(flowfsm_harness: Harness) -> None:
    flowfsm_harness.manager.register(weather)
    await flowfsm_harness.command("weather")
    assert await flowfsm_harness.advance(299) == 0  # a fake clock: nothing sleeps
    assert await flowfsm_harness.advance(2) == 1  # one session expired
    assert flowfsm_harness.message is not None
    buttons = [b for b in components_of(flowfsm_harness.message) if "url" not in b]
    assert buttons and all(b.get("disabled") for b in buttons)


async def test_weather_on_a_rest_bot(flowfsm_rest_harness: Harness) -> None:
    flowfsm_rest_harness.manager.register(weather)
    await flowfsm_rest_harness.command("weather")
    await flowfsm_rest_harness.click("Close")
    assert flowfsm_rest_harness.message is not None
    assert flowfsm_rest_harness.message["content"] == "Closed after 1 reading(s)."
    assert flowfsm_rest_harness.message["components"] == []


def test_rest_roles_in_docstrings_become_markdown_code() -> None:
    spec = importlib.util.spec_from_file_location(
        "flowfsm_griffe_roles", ROOT / "docs" / "griffe_rest_roles.py"
    )
    assert spec is not None and spec.loader is not None
    roles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(roles)
    text = "Use :class:`~flowfsm.define.layout.Text` or :meth:`Flow.state`, ``x=1``.\n\nExample::\n\n    f()"
    assert roles.to_markdown(text) == "Use `Text` or `Flow.state`, `x=1`.\n\nExample:\n\n\n    f()"


# -- the examples in docstrings, shown by the API reference, run too ----------------------------------


def docstring_example(doc: str | None, marker: str = "Example::") -> str:
    """The indented literal block under ``marker`` in a docstring, dedented."""
    assert doc is not None and marker in doc
    block = doc.split(marker, 1)[1].lstrip("\n")
    lines = []
    for line in block.splitlines():
        if line.strip() and not line.startswith((" ", "\t")):
            break  # the first unindented line ends the literal block
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip()


def example_namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"hikari": hikari, "weather": weather}
    for module in (
        flowfsm,
        flowfsm.define.selects,
        flowfsm.define.modals,
        flowfsm.define.layout,
        flowfsm.testing,
    ):
        namespace.update({name: getattr(module, name) for name in dir(module) if not name.startswith("_")})
    # The callbacks the examples name; their bodies are not the point of the examples.
    namespace.update(set_colour=lambda ctx, values: None, set_friend=lambda ctx, values: None)
    namespace.update(save_bio=lambda ctx, values: None)
    return namespace


def test_select_and_modal_docstring_examples_build() -> None:
    for module in (flowfsm.define.selects, flowfsm.define.modals):
        code = docstring_example(module.__doc__)
        namespace = example_namespace()
        exec(compile(code, f"{module.__name__} docstring", "exec"), namespace)


def test_layout_docstring_example_is_a_valid_layout() -> None:
    nodes = eval(docstring_example(flowfsm.define.layout.__doc__), example_namespace())
    assert flowfsm.define.layout.layout_problems(nodes) == []


async def test_flow_docstring_example_runs_in_a_harness() -> None:
    namespace = example_namespace()
    exec(compile(docstring_example(flowfsm.Flow.__doc__), "Flow docstring", "exec"), namespace)
    async with Harness([namespace["flow"]]) as h:
        await h.command("weather")
        await h.click("Details")
        assert h.message is not None and h.message["content"] == "22 °C"
        await h.click("Back")
        assert h.message["content"] == "Sunny"


async def test_harness_docstring_example_runs() -> None:
    code = docstring_example(flowfsm.testing.harness.__doc__)
    body = textwrap.indent(code, "    ")
    namespace = example_namespace()
    exec(compile(f"async def example():\n{body}\n", "Harness docstring", "exec"), namespace)
    await namespace["example"]()


async def test_plugin_docstring_example_runs_with_a_harness() -> None:
    code = docstring_example(flowfsm.testing.plugin.__doc__, marker="then drive them::")
    namespace = example_namespace()
    exec(compile(code, "plugin docstring", "exec"), namespace)
    async with Harness() as harness:
        await namespace["test_menu"](harness)
        assert harness.session().state == "details"
