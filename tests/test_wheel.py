"""flowfsm in someone else's project: build the sdist and wheel, install the wheel in a fresh venv
outside this repository, and use it as a bot author would.

Offline and quick by design: the wheel is built without build isolation (the dev venv has
setuptools and build), and the fresh venv gets flowfsm's dependencies from the dev venv through a
``.pth`` file naming a directory of links to exactly those distributions (the dependency closure
read from their metadata), so ``pip install --no-index`` finds them installed. Nothing of this
repository is importable there: the working directory is a temporary project, and the dev venv's
editable flowfsm is not linked. The first stage has flowfsm and pytest only; the second adds
pytest-asyncio, as ``pip install "flowfsm[testing]"`` would.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import shutil
import subprocess
import sys
import time
import tomllib
import venv
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from flowfsm.testing.discord_api import FakeDiscord
from flowfsm.testing.plugin import MISSING_EXTRA
from tests.test_readme import quick_start_code, readme_block

ROOT = Path(__file__).resolve().parent.parent
_SKIP = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "site", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache"
)

FLOW_MODULE = """
from flowfsm import Button, Flow, Screen

greeter = Flow("greeter")

@greeter.state(initial=True)
def hello(ctx):
    return Screen("Hello!", items=[Button("Bye", trigger="bye")])

@greeter.state(final=True)
def bye(ctx):
    return Screen("Bye!")

greeter.transition("bye", "hello", "bye")
"""

BROKEN_MODULE = """
from flowfsm import Button, Flow, Screen

typo = Flow("typo")

@typo.state(initial=True)
def hello(ctx):
    return Screen("Hello!", items=[Button("Go", trigger="og"), Button("Bye", trigger="bye")])

@typo.state(final=True)
def bye(ctx):
    return Screen("Bye!")

typo.transition("bye", "hello", "bye")
"""


def _run(*args: object, cwd: Path, env: dict[str, str] | None = None, code: int = 0) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, f"{args} exited {done.returncode}, not {code}:\n{output}"
    return output


def _closure(requirements: Iterable[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions ``requirements`` need, with extras and markers applied."""
    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = requirement.name.lower().replace("_", "-")
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        dist = found.setdefault(name, metadata.distribution(requirement.name))
        for raw in dist.requires or ():
            needed = Requirement(raw)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append(needed)
    return found


def _link_distributions(dists: Iterable[metadata.Distribution], into: Path) -> None:
    """Links to each distribution's top-level files and its metadata directory."""
    into.mkdir()
    for dist in dists:
        base = Path(str(dist.locate_file("")))
        tops = {Path(str(f)).parts[0] for f in dist.files or () if not str(f).startswith("..")}
        for top in tops:
            if not (into / top).exists() and (base / top).exists():
                (into / top).symlink_to(base / top)


def _fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=False).create(where)
    return where / "bin" / "python"


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def _pip(python: Path, *args: str, cwd: Path) -> str:
    return _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", *args, cwd=cwd)


def test_the_wheel_works_in_someone_elses_project(tmp_path: Path) -> None:
    started = time.monotonic()
    source, dist = tmp_path / "src", tmp_path / "dist"
    shutil.copytree(ROOT, source, ignore=_SKIP)
    built = _run(
        sys.executable,
        "-m",
        "build",
        "--no-isolation",
        "--sdist",
        "--wheel",
        "--outdir",
        dist,
        source,
        cwd=tmp_path,
    )
    assert "Deprecat" not in built, built  # license metadata and the rest as setuptools wants them
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    checked = _run(sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists, cwd=tmp_path)
    assert checked.count("PASSED") == 2, checked
    names = zipfile.ZipFile(wheels[0]).namelist()
    for needed in (
        "flowfsm/py.typed",
        "flowfsm/tools/playground/static/playground.css",
        "flowfsm/tools/playground/static/playground.js",
    ):
        assert needed in names
    assert not [n for n in names if n.startswith(("examples/", "tests/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert (
        "[pytest11]\nflowfsm = flowfsm.testing.plugin"
        in zipfile.ZipFile(wheels[0]).read(entry_points).decode()
    )

    # A bot author's project, outside this repository: flowfsm and pytest, no extras.
    project = tmp_path / "project"
    project.mkdir()
    python = _fresh_venv(tmp_path / "venv")
    site = _site_packages(python)
    # What the wheel's own requirements need (read from pyproject.toml, so a new dependency is linked too).
    with (ROOT / "pyproject.toml").open("rb") as pyproject:
        project_table = tomllib.load(pyproject)["project"]
    requirements = project_table["dependencies"]
    core = _closure([*requirements, "pytest"])
    _link_distributions(core.values(), tmp_path / "deps")
    (site / "deps.pth").write_text(f"{tmp_path / 'deps'}\n")
    _pip(python, str(wheels[0]), cwd=project)
    env = {"PATH": f"{python.parent}:{os.environ['PATH']}", "HOME": str(tmp_path), "LANG": "C.UTF-8"}

    (project / "test_unrelated.py").write_text("def test_x():\n    assert 1\n")
    out = _run(python, "-m", "pytest", "-q", "test_unrelated.py", cwd=project, env=env)
    assert "1 passed" in out
    (project / "test_needs_extra.py").write_text("def test_y(flowfsm_harness):\n    pass\n")
    out = _run(python, "-m", "pytest", "-q", "test_needs_extra.py", cwd=project, env=env, code=1)
    assert MISSING_EXTRA in out

    # The command line, from the project's directory, on the project's own modules.
    (project / "greetings.py").write_text(FLOW_MODULE)
    (project / "typos.py").write_text(BROKEN_MODULE)
    assert "check" in _run(python.parent / "flowfsm", "--help", cwd=project, env=env)
    assert "check" in _run(python, "-m", "flowfsm", "--help", cwd=project, env=env)
    out = _run(python.parent / "flowfsm", "check", "greetings", cwd=project, env=env)
    assert "1 flow(s), 0 finding(s)" in out
    out = _run(python.parent / "flowfsm", "check", "typos", cwd=project, env=env, code=1)
    assert "typo:hello:Go: trigger 'og' cannot fire in this state" in out
    out = _run(python.parent / "flowfsm", "play", cwd=project, env=env, code=2)
    assert "flowfsm play TARGET" in out
    _play_serves(python.parent / "flowfsm", project, env)

    # "flowfsm[testing]": the README's quick start and its testing snippet, as written.
    testing = _closure(project_table["optional-dependencies"]["testing"])
    _link_distributions([d for name, d in testing.items() if name not in core], tmp_path / "deps-testing")
    (site / "deps.pth").write_text(f"{tmp_path / 'deps'}\n{tmp_path / 'deps-testing'}\n")
    _pip(python, "--find-links", str(dist), "flowfsm[testing]", cwd=project)
    (project / "weather_bot.py").write_text(quick_start_code())
    (project / "pytest.ini").write_text(readme_block("ini", "## Testing your own flows"))
    (project / "test_weather.py").write_text(readme_block("python", "## Testing your own flows"))
    env["DISCORD_TOKEN"] = FakeDiscord().bot_token  # the quick start reads it at import
    out = _run(python, "-m", "pytest", "-q", "test_weather.py", "test_unrelated.py", cwd=project, env=env)
    assert "3 passed" in out, out
    print(f"wheel {wheels[0].stat().st_size} bytes; fresh-venv test {time.monotonic() - started:.1f} s")


def _play_serves(flowfsm: Path, project: Path, env: dict[str, str]) -> None:
    """``flowfsm play greetings`` serves the playground page with the project's flow."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [str(flowfsm), "play", "greetings", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # wait for the line saying where it listens
            if f":{port}" in line:
                break
        else:
            pytest.fail(f"flowfsm play exited with {server.wait()}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert "greeter" in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
