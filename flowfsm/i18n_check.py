"""Translations checked before the bot starts: ``flowfsm check --locales`` and ``flowfsm i18n extract``.

:func:`check_locales` explores every translated flow (the same walk as ``flowfsm explore``:
the test harness, real hikari objects, the real ``miru.Client``) once in its default locale and
once per requested locale, every interaction carrying that locale as Discord would. It reports,
one line each, ``flow:state:item [locale]: message``:

* Discord limits broken only in that locale (a button label over 80 characters, a modal title
  over 45, a select option over 100, ...: whatever the engine's render checks refuse);
* other errors raised only in that locale;
* missing keys: looked up while rendering (the state is named) or found in the source by
  :func:`extract_keys` (state ``*``), absent from the locale's catalog;
* unused keys: in a catalog, but neither looked up while exploring nor named in the source;
* a requested locale the flow has no catalog for.

:func:`extract_keys` reads the source of the modules defining a flow's states and lists every
``<something>.t("key", ...)`` call; an f-string key (``ctx.t(f"bread-{name}")``) is kept as a
pattern, and the catalog keys it matches count as used.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import dataclasses
import inspect
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowfsm.check import FLOW_WIDE
from flowfsm.explore import DEFAULT_DEPTH, explore
from flowfsm.flow import Flow
from flowfsm.i18n import Lookup, match_locale

__all__ = ["KeyUse", "LocaleFinding", "add_cli", "check_locales", "extract_keys"]

_ITEM = re.compile(r"^item '(?P<item>[^']*)': ")
_PATH = re.compile(r" \(path: .*\)$")


@dataclass(frozen=True, slots=True)
class LocaleFinding:
    """One translation problem, printed as ``flow:state:item [locale]: message``."""

    flow: str
    state: str
    item: str
    locale: str
    message: str

    def __str__(self) -> str:
        return f"{self.flow}:{self.state}:{self.item} [{self.locale}]: {self.message}"


@dataclass(frozen=True, slots=True)
class KeyUse:
    """A ``.t(...)`` call in the source: its key (or pattern, for an f-string) and where it is."""

    key: str
    file: str
    line: int
    pattern: re.Pattern[str] | None = None
    """For an f-string key: the keys it can produce."""

    def __str__(self) -> str:
        return f"{self.key}  # {self.file}:{self.line}"


def _flow_modules(flow: Flow) -> list[Path]:
    """The source files defining the flow's states (render functions and hooks)."""
    files: dict[str, None] = {}
    for spec in flow.states.values():
        for value in (getattr(spec, f.name) for f in dataclasses.fields(spec)):
            if not callable(value):
                continue
            try:
                source = inspect.getsourcefile(inspect.unwrap(value))
            except TypeError:  # a builtin or a callable object without source
                continue
            if source:
                files[source] = None
    return [Path(path) for path in files]


def _key_of(node: ast.expr) -> tuple[str, re.Pattern[str] | None] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, None
    if isinstance(node, ast.JoinedStr):
        shown, pattern = [], []
        for part in node.values:
            if isinstance(part, ast.Constant):
                shown.append(str(part.value))
                pattern.append(re.escape(str(part.value)))
            else:
                shown.append("{…}")
                pattern.append(".+")
        return "".join(shown), re.compile("".join(pattern))
    return None


def extract_keys(flow: Flow) -> list[KeyUse]:
    """Every ``.t(key, ...)`` call in the modules defining ``flow``'s states, in file order."""
    uses: list[KeyUse] = []
    for path in _flow_modules(flow):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        shown = _relative(path)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "t"
                and node.args
            ):
                found = _key_of(node.args[0])
                if found is not None:
                    uses.append(KeyUse(found[0], shown, node.lineno, found[1]))
    return sorted(uses, key=lambda use: (use.file, use.line))


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class _Run:
    """What exploring a flow in one locale saw."""

    locale: str
    findings: dict[tuple[str, str], str] = field(default_factory=dict)
    """(state, item) -> problem."""
    lookups: list[Lookup] = field(default_factory=list)


async def _explore_in(flow: Flow, flows: Sequence[Flow], locale: str, depth: int) -> _Run:
    run = _Run(locale)
    translated = [f.translations for f in (flow, *flows) if f.translations is not None]
    for translations in translated:
        translations.listeners.append(run.lookups.append)
    try:
        report = await explore(flow, depth, flows=flows, locale=locale)
    finally:
        for translations in translated:
            translations.listeners.remove(run.lookups.append)
    for finding in report.findings:
        problem = _PATH.sub("", finding.problem)
        text = problem.split(": ", 1)[1] if problem.startswith("breaks a Discord limit: ") else problem
        match = _ITEM.match(text)
        item = match.group("item") if match else FLOW_WIDE
        message = text[match.end() :] if match else text
        run.findings.setdefault((finding.state, item), message)
    return run


async def check_flow_locales(
    flow: Flow, locales: Sequence[str], *, flows: Sequence[Flow] = (), depth: int = DEFAULT_DEPTH
) -> list[LocaleFinding]:
    """Every translation problem of one flow in ``locales`` (its default locale is checked too)."""
    translations = flow.translations
    if translations is None:
        return []
    found: dict[str, LocaleFinding] = {}

    def report(state: str, item: str, locale: str, message: str) -> None:
        finding = LocaleFinding(flow.name, state, item, locale, message)
        found.setdefault(str(finding), finding)

    base = await _explore_in(flow, flows, translations.default, depth)
    runs = [base]
    for locale in dict.fromkeys(locales):
        served = match_locale(locale, translations.locales)
        if served is None:
            report(
                FLOW_WIDE, FLOW_WIDE, locale, f"no catalog for this locale; {translations.default} is shown"
            )
            continue
        if served != translations.default:
            runs.append(await _explore_in(flow, flows, locale, depth))
    used: set[str] = set()
    missing: set[tuple[str, str]] = set()
    for run in runs:
        if run is not base:
            for (state, item), message in run.findings.items():
                if (state, item) not in base.findings:
                    report(state, item, run.locale, message)
        for lookup in run.lookups:
            used.add(lookup.key)
            if lookup.flow != flow.name or lookup.served == lookup.requested:
                continue
            then = f"falls back to {lookup.served}" if lookup.served else "shown as the key itself"
            report(lookup.state, lookup.key, lookup.requested, f"missing key ({then})")
            missing.add((lookup.key, lookup.requested))
    checked = [run.locale for run in runs]
    static = extract_keys(flow)
    for use in static:
        if use.pattern is not None:
            continue
        used.add(use.key)
        for locale in checked:
            catalog = match_locale(locale, translations.locales) or translations.default
            if use.key not in translations.keys(catalog) and (use.key, catalog) not in missing:
                report(FLOW_WIDE, use.key, locale, f"missing key (used at {use.file}:{use.line})")
    patterns = [use.pattern for use in static if use.pattern is not None]
    for locale in checked:
        catalog = match_locale(locale, translations.locales) or translations.default
        for key in sorted(translations.keys(catalog)):
            if key not in used and not any(pattern.fullmatch(key) for pattern in patterns):
                report(FLOW_WIDE, key, catalog, "unused key")
    return [*found.values()]


async def check_locales(
    flows: Iterable[Flow], locales: Sequence[str], *, depth: int = DEFAULT_DEPTH
) -> list[LocaleFinding]:
    """Every translation problem of ``flows`` in ``locales`` (flows without translations are skipped)."""
    flows = list(flows)
    findings: list[LocaleFinding] = []
    for flow in flows:
        findings.extend(await check_flow_locales(flow, locales, flows=flows, depth=depth))
    return findings


def run_check(flows: Sequence[Flow], locales: Sequence[str]) -> list[LocaleFinding]:
    """:func:`check_locales` for the command line (engine logs silenced: findings say it all)."""
    import logging

    logging.disable(logging.CRITICAL)
    try:
        return asyncio.run(check_locales(flows, locales))
    finally:
        logging.disable(logging.NOTSET)


def parse_locales(value: str) -> list[str]:
    """``de,fr`` -> ``["de", "fr"]`` (argparse type of ``--locales``)."""
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    if not chosen:
        raise argparse.ArgumentTypeError("name at least one locale, e.g. --locales de,fr")
    return chosen


# -- flowfsm i18n extract ------------------------------------------------------------------------------------


def _run_extract(args: argparse.Namespace) -> int:
    from flowfsm.targets import load_flows

    flows = load_flows(args.targets)
    for flow in flows:
        uses = extract_keys(flow)
        print(f"# flow {flow.name}: {len({use.key for use in uses})} key(s)")
        for use in uses:
            print(use)
    return 0


def _run_builtin(args: argparse.Namespace) -> int:
    from flowfsm.i18n import builtin_texts, texts_as_ftl

    texts = builtin_texts()
    locale = args.locale or "en-US"
    if locale not in texts:
        print(f"flowfsm: note: no built-in texts for {locale}; English follows", file=sys.stderr)
    sys.stdout.write(texts_as_ftl(texts.get(locale) or texts["en-US"]))
    return 0


def add_cli(subparsers: Any) -> None:
    """Add ``flowfsm i18n extract`` and ``flowfsm i18n builtin`` (see :data:`flowfsm.cli.PROVIDERS`)."""
    i18n = subparsers.add_parser("i18n", help="translations: list the keys flows use, flowfsm's own texts")
    commands = i18n.add_subparsers(dest="i18n_command", metavar="COMMAND", parser_class=type(i18n))
    commands.required = True
    extract = commands.add_parser(
        "extract",
        help="list every ctx.t key the flows' modules use, with file and line",
        description="List every .t(key) call in the modules defining the flows' states (f-string keys as patterns).",
    )
    extract.add_argument("targets", nargs="+", metavar="TARGET", help="modules/packages or module:attribute")
    extract.set_defaults(func=_run_extract)
    builtin = commands.add_parser(
        "builtin",
        help="print flowfsm's built-in texts as a Fluent catalog (the start of a new locale)",
        description="Print flowfsm's built-in texts (Texts) as <locale>/flowfsm.ftl: translate it and "
        "load it with flowfsm.i18n.builtin_texts(directory=...).",
    )
    builtin.add_argument("locale", nargs="?", help="a shipped locale (default: English)")
    builtin.set_defaults(func=_run_builtin)
