"""pytest plugin (registered through the ``pytest11`` entry point): ready harness fixtures.

``flowfsm_harness`` is a started gateway-style :class:`~flowfsm.testing.Harness`;
``flowfsm_rest_harness`` drives a ``hikari.RESTBot`` over signed HTTP. Register your flows
on ``harness.manager`` (``harness.manager.register(my_flow)``), then drive them::

    async def test_menu(flowfsm_harness):
        flowfsm_harness.manager.register(weather)
        await flowfsm_harness.command("weather")
        await flowfsm_harness.click("Details")
        assert flowfsm_harness.session().state == "details"

The ``flowfsm`` marker passes keyword arguments to the :class:`~flowfsm.testing.Harness`, e.g.
flows to register and ``commands=`` routing a slash command to a flow at a given state::

    @pytest.mark.flowfsm(flows=[weather], commands={"forecast": ("weather", "details")})
    async def test_opens_at_details(flowfsm_harness):
        await flowfsm_harness.command("forecast")
        assert flowfsm_harness.session().state == "details"

The fixtures are async and need pytest-asyncio, which ``pip install "flowfsm[testing]"``
brings. Installing flowfsm alone registers this plugin in every pytest run of the environment,
so loading it must cost nothing and import nothing optional: the harness and pytest-asyncio are
imported only when a test asks for a fixture, and a missing pytest-asyncio is one clear error.

Flow coverage (see :mod:`flowfsm.testing.coverage`), recorded from every harness the tests start::

    pytest --flowfsm-cov=examples --flowfsm-cov-report=flowcov.json --flowfsm-cov-fail-under=90

``--flowfsm-cov`` alone reports every flow the tests ran; ``--flowfsm-cov=TARGET`` (repeatable; a
module, package or ``module:attribute`` as for ``flowfsm check``) reports exactly those flows,
never-run ones at 0%. ``--flowfsm-cov-fail-under`` checks transition coverage.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flowfsm.testing.harness import Harness

_COVERAGE = pytest.StashKey["FlowCoveragePlugin"]()

__all__ = ["MISSING_EXTRA", "flowfsm_harness", "flowfsm_rest_harness"]

MISSING_EXTRA = (
    'flowfsm\'s harness fixtures need pytest-asyncio: pip install "flowfsm[testing]" '
    '(and set asyncio_mode = "auto" or mark the test with @pytest.mark.asyncio)'
)
"""The one-line error a test gets when it uses a fixture without the ``testing`` extra."""


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("flowfsm")
    if marker is None:
        return {}
    if marker.args:
        raise TypeError("@pytest.mark.flowfsm takes keyword arguments only (flows=, commands=, ...)")
    return dict(marker.kwargs)


async def _started(rest_bot: bool, options: dict[str, Any]) -> AsyncIterator[Harness]:
    from flowfsm.testing.harness import Harness

    async with Harness(rest_bot=rest_bot, **options) as harness:
        yield harness


try:
    import pytest_asyncio
except ImportError:
    pytest_asyncio = None  # type: ignore[assignment]

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def flowfsm_harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
        """A started harness with a gateway bot, the real miru client and a fake clock."""
        async for harness in _started(False, _options(request)):
            yield harness

    @pytest_asyncio.fixture
    async def flowfsm_rest_harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
        """A started harness driving a ``hikari.RESTBot`` interaction server with signed requests."""
        async for harness in _started(True, _options(request)):
            yield harness

else:

    @pytest.fixture
    def flowfsm_harness() -> Harness:
        """Unavailable without pytest-asyncio: fails the test with :data:`MISSING_EXTRA`."""
        pytest.fail(MISSING_EXTRA, pytrace=False)

    @pytest.fixture
    def flowfsm_rest_harness() -> Harness:
        """Unavailable without pytest-asyncio: fails the test with :data:`MISSING_EXTRA`."""
        pytest.fail(MISSING_EXTRA, pytrace=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--flowfsm-cov`` options."""
    group = parser.getgroup("flowfsm", "flowfsm flow coverage")
    group.addoption(
        "--flowfsm-cov",
        action="append",
        nargs="?",
        const="",
        default=None,
        metavar="TARGET",
        help="measure flow coverage (states, transitions, guards, nav, hooks, items) of the flows in "
        "TARGET (module, package or module:attribute; repeatable), or of every flow run if none",
    )
    group.addoption(
        "--flowfsm-cov-report", metavar="PATH", default=None, help="write the flow coverage report as JSON"
    )
    group.addoption(
        "--flowfsm-cov-fail-under",
        metavar="PERCENT",
        type=float,
        default=None,
        help="fail the run when transition coverage is below PERCENT",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``flowfsm`` marker; start recording flow coverage when ``--flowfsm-cov`` is given."""
    config.addinivalue_line(
        "markers", "flowfsm(**options): keyword arguments for the flowfsm_harness fixtures' Harness"
    )
    targets = config.getoption("flowfsm_cov", None)
    if targets is None:
        return
    plugin = FlowCoveragePlugin(
        [t for t in targets if t],
        config.getoption("flowfsm_cov_report"),
        config.getoption("flowfsm_cov_fail_under"),
    )
    if plugin.targets:
        from flowfsm.tools.targets import TargetError, load_flows

        try:
            plugin.coverage.report_on(load_flows(plugin.targets))
        except TargetError as exc:
            raise pytest.UsageError(f"--flowfsm-cov: {exc}") from None
    config.stash[_COVERAGE] = plugin
    config.pluginmanager.register(plugin, "flowfsm-coverage")
    from flowfsm.testing.harness import Harness

    Harness.started.append(plugin.observe)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop recording."""
    plugin = config.stash.get(_COVERAGE, None)
    if plugin is None:
        return
    from flowfsm.testing.harness import Harness

    if plugin.observe in Harness.started:
        Harness.started.remove(plugin.observe)


class FlowCoveragePlugin:
    """Attaches a :class:`~flowfsm.testing.coverage.FlowCoverage` to every harness; reports at the end."""

    def __init__(self, targets: list[str], report_path: str | None, fail_under: float | None) -> None:
        from flowfsm.testing.coverage import FlowCoverage

        self.targets = targets
        self.report_path = report_path
        self.fail_under = fail_under
        self.coverage = FlowCoverage()
        self.failed: str | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Collect the previous tests' garbage first: recording shifts when the garbage collector
        runs, and an object an earlier test left unclosed must not be finalized (and log) inside
        a test that checks its own logs."""
        gc.collect()

    def observe(self, harness: Harness) -> None:
        """Record what ``harness``'s manager runs."""
        self.coverage.attach(harness.manager)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the JSON report, apply the threshold."""
        if self.report_path:
            self.coverage.write_json(self.report_path)
        if self.fail_under is not None:
            percent = self.coverage.percent("transitions")
            if percent < self.fail_under:
                self.failed = (
                    f"FAIL Required flow transition coverage of {self.fail_under:g}% not reached. "
                    f"Total coverage: {percent:.2f}%"
                )
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Print the per-flow table."""
        write = terminalreporter.write_line
        terminalreporter.write_sep("-", "flowfsm coverage: transitions (states, guards, nav, hooks, items)")
        for line in self.coverage.table().splitlines():
            write(line)
        if self.report_path:
            write(f"flowfsm coverage JSON written to {self.report_path}")
        if self.failed is not None:
            write(self.failed, red=True, bold=True)
        elif self.fail_under is not None:
            write(f"Required flow transition coverage of {self.fail_under:g}% reached.")
