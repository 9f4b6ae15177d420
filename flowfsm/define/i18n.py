"""Menus in the user's language: Fluent catalogs, the locale of a screen, flowfsm's own texts translated.

Translations use Project Fluent (``fluent.runtime``): one ``.ftl`` catalog per locale, keys
looked up by id (``ctx.t("shop.title", gold=3)`` reads the ``title`` attribute of the message
``shop``; ``ctx.t("greeting")`` a message's value), plurals and grammar written by the
translator with Fluent's selectors and CLDR plural rules. Catalogs are parsed once, when a
:class:`Translations` is made (at import / start-up); a syntax error stops the start with the
file and line named, instead of a message quietly disappearing.

The locale of a screen (``ctx.locale``) comes from this chain, first match wins:

1. the user's locale (``interaction.locale``), when the flow has a catalog for it or for its
   language (``en-GB`` is served by ``en-US``, ``de-AT`` would be by ``de``);
2. the guild's locale (``interaction.guild_locale``), matched the same way;
3. the flow's default locale (``Translations(default=...)``, else ``Flow(locale=...)``, else
   the manager's ``locale``, ``en-US``).

Without an interaction (a timeout re-rendering the menu disabled) the session's last chain is
used. A key missing in a locale falls back along the same chain; each (locale, key) miss is
logged once, not on every click. A flow without translations is shown in its default locale
and its clicks do no locale work at all.

flowfsm's built-in texts (:class:`~flowfsm.define.texts.Texts`) ship in English and German
(``flowfsm/locales/<locale>/flowfsm.ftl``). Texts on a screen (Back, Cancel, Previous, Next,
"Cancelled.") follow the screen's locale; replies to one user (expired, not your menu, stale,
the error reply) follow that user's locale.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hikari
from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser
from fluent.syntax import ast as ftl

from flowfsm.define.pagination import Nav
from flowfsm.define.screen import Button
from flowfsm.errors import FlowError

if TYPE_CHECKING:
    from flowfsm.define.context import Context
    from flowfsm.define.texts import Texts

__all__ = [
    "BUILTIN_LOCALES",
    "DEFAULT_LOCALE",
    "Chrome",
    "LocalizedTexts",
    "Lookup",
    "TranslationError",
    "Translations",
    "builtin_texts",
    "match_locale",
    "requested_locales",
    "texts_as_ftl",
]

_LOG = logging.getLogger("flowfsm.define.i18n")

DEFAULT_LOCALE = "en-US"
"""The locale flowfsm's own texts are written in, and the default of flows and managers."""

LOCALES_DIR = Path(__file__).with_name("locales")
BUILTIN_FILE = "flowfsm.ftl"
BUILTIN_LOCALES = tuple(sorted(p.name for p in LOCALES_DIR.iterdir() if (p / BUILTIN_FILE).is_file()))
"""Locales whose built-in texts ship with flowfsm, besides English (``Texts()``'s defaults)."""

_MAX_MEMO = 20_000  # formatted texts remembered per catalog set (bounded memory)
_MAX_REPORTED = 10_000  # misses remembered for "log once"; past it, new misses are not logged


class TranslationError(FlowError):
    """A catalog that cannot be loaded: a Fluent syntax error, a missing directory."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """One ``ctx.t`` call, as seen by a listener (``flowfsm check --locales`` records them)."""

    key: str
    requested: str
    """The first locale of the chain: the screen's locale."""
    served: str | None
    """The locale whose catalog had the key (``None``: none had it; the key itself was shown)."""
    flow: str
    """The flow of the context that asked (the running sub-flow, if any)."""
    state: str
    """Its state when it asked."""


def match_locale(requested: str | None, available: Iterable[str]) -> str | None:
    """The locale of ``available`` serving ``requested``: the same, else one of its language.

    ``en-GB`` is served by ``en`` or else ``en-US``; ``None`` when no catalog is of its language.
    """
    if not requested:
        return None
    choices = list(available)
    if requested in choices:
        return requested
    language = requested.split("-", 1)[0].lower()
    if language in choices:
        return language
    same = sorted(c for c in choices if c.split("-", 1)[0].lower() == language)
    return same[0] if same else None


def requested_locales(interaction: hikari.PartialInteraction | None) -> tuple[str | None, str | None]:
    """(user locale, guild locale) of an interaction, as Discord sent them."""
    if interaction is None:
        return None, None
    return getattr(interaction, "locale", None), getattr(interaction, "guild_locale", None)


def _parse(source: str, origin: str) -> ftl.Resource:
    resource = FluentParser().parse(source)
    for entry in resource.body:
        if isinstance(entry, ftl.Junk):
            line = source.count("\n", 0, entry.span.start) + 1 if entry.span else "?"
            problem = entry.annotations[0].message if entry.annotations else "syntax error"
            raise TranslationError(f"{origin}:{line}: {problem}")
    return resource


def _keys(resource: ftl.Resource) -> set[str]:
    """Every key a resource defines: ``message`` for a value, ``message.attribute`` per attribute."""
    keys: set[str] = set()
    for entry in resource.body:
        if isinstance(entry, ftl.Message):
            if entry.value is not None:
                keys.add(entry.id.name)
            keys.update(f"{entry.id.name}.{attribute.id.name}" for attribute in entry.attributes)
    return keys


class Translations:
    """The Fluent catalogs of a flow, one bundle per locale, parsed once.

    Args:
        catalogs: locale -> the FTL source of its catalog (a string or several).
        default: the locale every key must exist in; the end of every fallback chain.
        origin: named in error messages (a directory, a module).

    Use :meth:`from_directory` for the usual ``<dir>/<locale>/*.ftl`` layout.
    """

    def __init__(
        self, catalogs: Mapping[str, str | Sequence[str]], *, default: str = DEFAULT_LOCALE, origin: str = ""
    ) -> None:
        if default not in catalogs:
            raise TranslationError(
                f"{origin or 'translations'}: no catalog for the default locale {default!r}"
            )
        self.default = default
        self.origin = origin
        self._bundles: dict[str, FluentBundle] = {}
        self._keys: dict[str, frozenset[str]] = {}
        for locale, sources in catalogs.items():
            bundle = FluentBundle([locale], use_isolating=False)  # no invisible marks in Discord text
            keys: set[str] = set()
            for index, source in enumerate([sources] if isinstance(sources, str) else sources):
                resource = _parse(source, f"{origin or 'catalog'}[{locale}#{index}]")
                bundle.add_resource(resource)
                keys |= _keys(resource)
            self._bundles[locale] = bundle
            self._keys[locale] = frozenset(keys)
        self._chains: dict[tuple[str | None, str | None], tuple[str, ...]] = {}
        self._reported: set[tuple[str, str]] = set()
        self._memo: dict[Any, tuple[str, str | None]] = {}
        self.listeners: list[Callable[[Lookup], None]] = []
        """Called with a :class:`Lookup` for every ``ctx.t`` (empty in production)."""

    @classmethod
    def from_directory(cls, path: str | Path, *, default: str = DEFAULT_LOCALE) -> Translations:
        """Load ``path/<locale>/*.ftl`` (every ``.ftl`` file of a locale's folder, by name)."""
        root = Path(path)
        if not root.is_dir():
            raise TranslationError(f"{root}: no such directory of catalogs")
        catalogs: dict[str, list[str]] = {}
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            files = sorted(folder.glob("*.ftl"))
            if files:
                catalogs[folder.name] = [f.read_text(encoding="utf-8") for f in files]
        return cls(catalogs, default=default, origin=str(root))

    def __repr__(self) -> str:
        return f"<Translations {self.origin or ''} locales={list(self.locales)} default={self.default!r}>"

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales with a catalog, the default first."""
        return (self.default, *sorted(locale for locale in self._bundles if locale != self.default))

    def keys(self, locale: str | None = None) -> frozenset[str]:
        """The keys the catalog of ``locale`` defines (default: every locale's, together)."""
        if locale is not None:
            return self._keys.get(locale, frozenset())
        return frozenset().union(*self._keys.values())

    def chain(self, user: str | None, guild: str | None = None) -> tuple[str, ...]:
        """The catalogs to try, in order, for a user's and a guild's locale (see the module doc)."""
        chain = self._chains.get((user, guild))
        if chain is None:
            found = [match_locale(user, self._bundles), match_locale(guild, self._bundles), self.default]
            chain = tuple(dict.fromkeys(locale for locale in found if locale is not None))
            if len(self._chains) < 4096:  # bounded: Discord has a few dozen locales
                self._chains[(user, guild)] = chain
        return chain

    def lookup(self, chain: Sequence[str], key: str, args: Mapping[str, Any]) -> tuple[str, str | None]:
        """``key`` formatted with ``args`` from the first catalog of ``chain`` that has it, and
        that catalog's locale (``(key, None)`` when none has it). Misses are logged once."""
        message, _, attribute = key.partition(".")
        for locale in chain:
            if key not in self._keys[locale]:
                self._missed(locale, key, chain)
                continue
            bundle = self._bundles[locale]
            entry = bundle.get_message(message)
            pattern = entry.attributes[attribute] if attribute else entry.value
            assert pattern is not None  # a key is only listed when its pattern exists
            text, errors = bundle.format_pattern(pattern, dict(args))
            if errors:
                self._report(locale, key, f"formatting {key!r} in {locale}: {errors[0]}")
            return str(text), locale
        return key, None

    def format(self, chain: Sequence[str], key: str, args: Mapping[str, Any], session: Any = None) -> str:
        """The text of ``key`` (see :meth:`lookup`); listeners hear of the lookup.

        Results are remembered per (chain, key, arguments): a screen re-rendered on every click
        formats each text once. Fluent's formatting is pure, so this changes no output."""
        try:
            memo = (chain, key, tuple((name, type(value), value) for name, value in args.items()))
            text, served = self._memo[memo]
        except KeyError:
            text, served = self._memo_add(memo, self.lookup(chain, key, args))
        except TypeError:  # an unhashable argument: format every time
            text, served = self.lookup(chain, key, args)
        if self.listeners:
            flow, state = (session.flow.name, session.state) if session is not None else ("", "")
            for listener in self.listeners:
                listener(Lookup(key, chain[0], served, flow, state))
        return text

    def _memo_add(self, memo: Any, result: tuple[str, str | None]) -> tuple[str, str | None]:
        if len(self._memo) < _MAX_MEMO:
            self._memo[memo] = result
        return result

    def _missed(self, locale: str, key: str, chain: Sequence[str]) -> None:
        rest = chain[chain.index(locale) + 1 :]
        then = f"falls back to {rest[0]}" if rest else "shown as the key itself"
        self._report(locale, key, f"missing key {key!r} in locale {locale} ({self.origin}); {then}")

    def _report(self, locale: str, key: str, message: str) -> None:
        if (locale, key) in self._reported or len(self._reported) >= _MAX_REPORTED:
            return
        self._reported.add((locale, key))
        _LOG.warning("flowfsm: %s", message)


# -- the locale of a screen --------------------------------------------------------------------------------


def screen_chain(ctx: Context) -> tuple[str, ...]:
    """The locale chain of the screen ``ctx`` renders (see the module doc); remembered on the session."""
    session = ctx.session
    flow = session.flow
    translations = flow.translations
    if translations is None:
        return (flow.locale or ctx.manager.locale,)
    if ctx.interaction is None:
        return session.locales or (translations.default,)
    chain = translations.chain(*requested_locales(ctx.interaction))
    session.locales = chain
    return chain


# -- flowfsm's own texts -----------------------------------------------------------------------------------


def _ftl_text(value: str) -> str:
    """A Texts string (``{command}``, ``{seconds}`` placeholders) as a Fluent pattern."""
    out = []
    for piece in _PLACEHOLDER.split(value):
        name = piece[1:-1]
        if piece.startswith("{") and name in _PLACEHOLDERS:
            out.append(f"{{ ${name} }}")
        else:
            out.append(re.sub(r"[{}]", lambda brace: f'{{ "{brace.group()}" }}', piece))
    return "".join(out)


def texts_as_ftl(texts: Texts) -> str:
    """The built-in texts as a Fluent catalog: the start of a new locale's ``flowfsm.ftl``."""
    lines = [
        "# flowfsm's built-in texts. { $command } is the flow's slash command, "
        "{ $seconds } the seconds of a cooldown."
    ]
    for field in dataclasses.fields(texts):
        lines.append(f"{field.name} = {_ftl_text(getattr(texts, field.name))}")
    return "\n".join(lines) + "\n"


_PLACEHOLDERS = ("command", "seconds")
"""The ``str.format`` fields of :class:`~flowfsm.define.texts.Texts` (Fluent variables in catalogs)."""
_PLACEHOLDER = re.compile(r"(\{(?:" + "|".join(_PLACEHOLDERS) + r")\})")
_SENTINELS = {name: f"\x00{name}\x00" for name in _PLACEHOLDERS}


def _fields_from(translations: Translations, locale: str, names: Iterable[str]) -> dict[str, str]:
    """The texts among ``names`` that the catalog of ``locale`` has, as ``Texts`` templates."""
    fields: dict[str, str] = {}
    for name in names:
        if name in translations.keys(locale):
            text, _ = translations.lookup((locale,), name, _SENTINELS)
            # The engine fills {command} and {seconds} with str.format, as in the English defaults.
            for placeholder, sentinel in _SENTINELS.items():
                text = text.replace(sentinel, "{" + placeholder + "}")
            fields[name] = text
    return fields


def _load_texts(paths: Iterable[Path], origin: str) -> dict[str, dict[str, str]]:
    """locale -> translated texts, from ``<locale>/flowfsm.ftl`` files."""
    from flowfsm.define.texts import Texts

    names = [f.name for f in dataclasses.fields(Texts)]
    sources = {path.parent.name: path.read_text(encoding="utf-8") for path in paths}
    if not sources:
        return {}
    default = next(iter(sources))
    translations = Translations(sources, default=default, origin=origin)
    return {locale: _fields_from(translations, locale, names) for locale in sources}


@functools.cache
def _shipped_texts() -> dict[str, dict[str, str]]:
    """The translations shipped in ``flowfsm/locales``, parsed once per process."""
    return _load_texts(sorted(LOCALES_DIR.glob(f"*/{BUILTIN_FILE}")), "flowfsm built-in texts")


def builtin_texts(
    base: Texts | None = None, directory: str | Path | None = None, *, default: str = DEFAULT_LOCALE
) -> dict[str, Texts]:
    """flowfsm's texts by locale: ``base`` (English) for ``default``, the shipped translations,
    and those in ``directory/<locale>/flowfsm.ftl``, which add locales or override single texts
    of shipped ones (a text a catalog lacks keeps the shipped one, else ``base``'s).

    Pass the result to ``FlowManager(texts=...)``. Texts may use ``{ $command }``, the flow's
    slash command.
    """
    from flowfsm.define.texts import Texts

    base = base or Texts()
    texts = {default: base}
    for locale, fields in _shipped_texts().items():
        if locale != default:
            texts[locale] = dataclasses.replace(base, **fields)
    if directory is not None:
        root = Path(directory)
        if not root.is_dir():
            raise TranslationError(f"{root}: no such directory of catalogs")
        for locale, fields in _load_texts(sorted(root.glob(f"*/{BUILTIN_FILE}")), str(root)).items():
            texts[locale] = dataclasses.replace(texts.get(locale, base), **fields)
    return texts


@dataclass(frozen=True, slots=True)
class Chrome:
    """The built-in parts of a screen in one locale: its texts, Back, Cancel and page navigation."""

    texts: Texts
    back: Button
    cancel: Button
    nav: Nav


class LocalizedTexts:
    """flowfsm's texts in every locale the manager knows, and the buttons made from them.

    Args:
        texts: locale -> texts (from :func:`builtin_texts`, or your own).
        default: the locale used when no other matches.
        stable_nav: page navigation keeps both buttons, disabled at the ends.
    """

    def __init__(self, texts: Mapping[str, Texts], default: str, stable_nav: bool) -> None:
        matched = match_locale(default, texts)
        if matched is None:
            raise TranslationError(f"no texts for the default locale {default!r} (have: {sorted(texts)})")
        self.by_locale = dict(texts)
        self.default = matched
        self.stable_nav = stable_nav
        self._chrome: dict[str | None, Chrome] = {}
        self._users: dict[tuple[str | None, str | None], Texts] = {}
        # The default texts' strings -> field names: a refusal passes the default text (see reply).
        base = self.by_locale[default]
        self._fields = {getattr(base, f.name): f.name for f in reversed(dataclasses.fields(base))}

    def texts(self, locale: str | None) -> Texts:
        """The texts of ``locale`` (or of its language), else the default's."""
        return self.by_locale[match_locale(locale, self.by_locale) or self.default]

    def chrome(self, locale: str | None) -> Chrome:
        """Back, Cancel and page navigation in ``locale`` (built once per locale)."""
        chrome = self._chrome.get(locale)
        if chrome is None:
            texts = self.texts(locale)
            chrome = Chrome(
                texts,
                Button(texts.back_label, trigger="back", id="~back", emoji="⬅️"),
                Button(texts.cancel_label, trigger="cancel", id="~cancel", style=hikari.ButtonStyle.DANGER),
                Nav(texts.previous_label, texts.next_label, self.stable_nav),
            )
            if len(self._chrome) < 1024:
                self._chrome[locale] = chrome
        return chrome

    def for_screen(self, ctx: Context) -> Chrome:
        """The chrome of the screen ``ctx`` renders: the flow's locale, or the screen's (translated
        flows). A flow without translations costs one attribute test and one dict lookup."""
        flow = ctx.session.flow
        if flow.translations is None:
            return self.chrome(flow.locale or self.default)
        return self.chrome(ctx.locale)

    def for_session(self, session: Any) -> Texts:
        """The texts of a session's screen without a context (the locale of its last screen)."""
        if session.locales:
            return self.chrome(session.locales[0]).texts
        return self.chrome(session.flow.locale or self.default).texts

    def for_user(self, interaction: hikari.PartialInteraction | None) -> Texts:
        """The texts for a reply to the user of ``interaction``: their locale, their guild's, the default."""
        key = requested_locales(interaction)
        texts = self._users.get(key)
        if texts is None:
            user, guild = key
            matched = match_locale(user, self.by_locale) or match_locale(guild, self.by_locale)
            texts = self.by_locale[matched or self.default]
            if len(self._users) < 4096:
                self._users[key] = texts
        return texts

    def reply(self, text: str, interaction: hikari.PartialInteraction | None) -> str:
        """``text``, one of the default locale's texts, in the locale of ``interaction``'s user;
        any other text unchanged (the engine's refusals pass the default locale's text)."""
        name = self._fields.get(text)
        if name is None:
            return text
        return str(getattr(self.for_user(interaction), name))
