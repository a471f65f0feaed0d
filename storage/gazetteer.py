"""Gazetteer of the 153 English local authorities (LAs) with children's services duties,
and of the authorities they replaced.

Data: ``storage/data/local_authorities.csv`` (one row per LA, 2024/25 boundaries, i.e. after
the 2019-2023 reorganisations: Dorset, BCP, North/West Northamptonshire, Cumberland,
Westmorland and Furness, North Yorkshire, Somerset unitary).
Columns: name, ons_code, region (ONS region name), urn (Ofsted provider URN, may be empty),
official_name, variants (``;``-separated), urn_source, note.  URNs other than those listed in
SOURCES.md 1.1 come from the data-to-insight ILACS summary (Jan 2025) and are second-hand
(``urn_source`` says which).

Predecessors: ``storage/data/predecessors.csv`` (Northamptonshire, split April 2021 into
North and West Northamptonshire; Cumbria, split April 2023 into Cumberland and Westmorland and
Furness; Bournemouth and Poole, merged April 2019 into BCP), with ``abolished`` (first day of
the successors) and ``successors`` (ONS codes). They are not among :func:`all_las` (today's
153) but :func:`lookup`, :func:`by_code` and :func:`known_las` know them, and
:func:`related_codes` joins each to its successors (and a successor to its predecessors), so
rules run across the change; report histories and comparisons go back only, through
:func:`predecessors_of` (an abolished LA's history is its own). Their Ofsted URNs are not
recorded (unknown here): their reports are matched by the name the document gives.

The mention tagger (which LAs an article is about) is ``crawler.extraction.la_tagger``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

__all__ = [
    "LocalAuthority",
    "UnknownLA",
    "all_las",
    "by_code",
    "by_urn",
    "known_las",
    "las_in_region",
    "codes_with_related",
    "lookup",
    "norm_key",
    "predecessors",
    "predecessors_of",
    "regions",
    "related_codes",
]

_CSV_PACKAGE = "storage.data"
_CSV_NAME = "local_authorities.csv"
_PREDECESSORS_CSV = "predecessors.csv"


@dataclass(frozen=True)
class LocalAuthority:
    name: str
    ons_code: str
    region: str
    urn: str | None
    official_name: str
    variants: tuple[str, ...]
    #: predecessors only: the day the successors took over, and their ONS codes
    abolished: date | None = None
    successors: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        return self.abolished is None


class UnknownLA(LookupError):
    """No local authority matches the given name, variant, ONS code or URN."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        msg = f"unknown local authority: {name!r}"
        if self.suggestions:
            msg += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(msg)

    def __str__(self) -> str:  # LookupError would otherwise repr() the args tuple
        return str(self.args[0])


# ---------------------------------------------------------------------------------------
# Loading and lookup
# ---------------------------------------------------------------------------------------
def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(";") if v.strip())


def _read(name: str) -> tuple[LocalAuthority, ...]:
    """The LAs of one CSV of ``storage/data``; a predecessor's row also has ``abolished`` and
    ``successors``."""
    text = resources.files(_CSV_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return tuple(
        LocalAuthority(
            name=row["name"].strip(),
            ons_code=row["ons_code"].strip(),
            region=row["region"].strip(),
            urn=(row.get("urn") or "").strip() or None,
            official_name=row["official_name"].strip(),
            variants=_split(row.get("variants")),
            abolished=date.fromisoformat(row["abolished"].strip()) if row.get("abolished") else None,
            successors=_split(row.get("successors")),
        )
        for row in csv.DictReader(io.StringIO(text))
    )


@lru_cache(maxsize=1)
def all_las() -> tuple[LocalAuthority, ...]:
    """Today's 153 LAs, in CSV order (cached)."""
    return _read(_CSV_NAME)


@lru_cache(maxsize=1)
def predecessors() -> tuple[LocalAuthority, ...]:
    """Authorities abolished by a reorganisation, with their successors (cached)."""
    return _read(_PREDECESSORS_CSV)


def known_las() -> tuple[LocalAuthority, ...]:
    """Today's LAs and their predecessors."""
    return all_las() + predecessors()


@lru_cache(maxsize=1)
def _by_code() -> dict[str, LocalAuthority]:
    return {la.ons_code: la for la in known_las()}


@lru_cache(maxsize=1)
def _by_urn() -> dict[str, LocalAuthority]:
    return {la.urn: la for la in known_las() if la.urn}


def by_code(code: str) -> LocalAuthority:
    """The LA (or predecessor) with this ONS code (e.g. ``E09000008``); raises :class:`UnknownLA`."""
    la = _by_code().get(code.strip().upper())
    if la is None:
        raise UnknownLA(code, difflib.get_close_matches(code.strip().upper(), _by_code(), n=3))
    return la


def by_urn(urn: str | int) -> LocalAuthority:
    """The LA with this Ofsted provider URN; raises :class:`UnknownLA`."""
    key = str(urn).strip()
    la = _by_urn().get(key)
    if la is None:
        raise UnknownLA(key)
    return la


@lru_cache(maxsize=256)
def related_codes(code: str) -> tuple[str, ...]:
    """ONS codes of the LA's predecessors and successors (reorganisations), not its own."""
    code = code.strip().upper()
    out: list[str] = []
    for old in predecessors():
        if old.ons_code == code:
            out += old.successors
        elif code in old.successors:
            out.append(old.ons_code)
    return tuple(dict.fromkeys(out))


def predecessors_of(code: str) -> tuple[str, ...]:
    """ONS codes of the authorities the LA replaced: :func:`related_codes` less its successors."""
    code = code.strip().upper()
    return tuple(old.ons_code for old in predecessors() if code in old.successors)


def regions() -> list[str]:
    """ONS region names, sorted."""
    return sorted({la.region for la in all_las()})


def las_in_region(region: str) -> list[LocalAuthority]:
    """Today's LAs in a region (region name compared case-insensitively); unknown region -> []."""
    key = norm_key(region)
    return [la for la in all_las() if norm_key(la.region) == key]


_KEY_PREFIXES = (
    "",
    "london borough of ",
    "royal borough of ",
    "city of ",
    "county of ",
    "borough of ",
    "metropolitan borough of ",
)
_KEY_SUFFIXES = (
    "",
    " council",
    " county council",
    " city council",
    " borough council",
    " metropolitan borough council",
    " london borough council",
    " children's services",
)


_KEY_ST = re.compile(r"\bst\.")
_KEY_SPACE = re.compile(r"[\s\-\u2010-\u2014]+")
_KEY_THE = re.compile(r"^the ")
_KEY_POSS = re.compile(r"'s?$")


@lru_cache(maxsize=4096)
def norm_key(s: str) -> str:
    """The form names are compared in: case, ``&``/``and``, hyphens, ``St.``, a leading
    ``the`` and a trailing possessive do not count."""
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    s = s.casefold()
    s = _KEY_ST.sub("st", s)
    s = _KEY_SPACE.sub(" ", s).strip(" ,.")
    s = _KEY_THE.sub("", s)
    s = _KEY_POSS.sub("", s)
    return s


def _keys(la: LocalAuthority) -> set[str]:
    bases = [la.name, *la.variants]
    keys = {norm_key(la.official_name), norm_key(la.ons_code), *(norm_key(v) for v in bases)}
    for base in bases:
        for pre in _KEY_PREFIXES:
            for suf in _KEY_SUFFIXES:
                keys.add(norm_key(pre + base + suf))
    if la.urn:
        keys.add(la.urn)
    return keys


@lru_cache(maxsize=1)
def _lookup_table() -> dict[str, LocalAuthority]:
    table: dict[str, LocalAuthority] = {}
    for la in all_las():
        for k in _keys(la):
            if table.setdefault(k, la) is not la:
                raise ValueError(f"gazetteer key {k!r} is ambiguous: {table[k].name} / {la.name}")
    for old in predecessors():
        # its own names win ("Bournemouth Borough Council" is the old borough, not BCP's
        # "Bournemouth" variant + suffix); derived forms never hide a current LA
        exact = {norm_key(old.official_name), norm_key(old.ons_code), *(norm_key(v) for v in old.variants)}
        for k in _keys(old):
            if k in exact:
                table[k] = old
            else:
                table.setdefault(k, old)
    return table


def lookup(name_or_variant_or_code: str) -> LocalAuthority:
    """Find an LA by name, official name, variant, council form, ONS code or URN, today's
    or a predecessor ("Northamptonshire County Council", "Cumbria").

    Case, ``&``/``and``, hyphens, ``St.``, a leading ``the`` and a trailing possessive are
    ignored.  Raises :class:`UnknownLA` (a LookupError) naming the input and suggesting close
    matches.
    """
    query = str(name_or_variant_or_code)
    table = _lookup_table()
    la = table.get(norm_key(query))
    if la is not None:
        return la
    names = {norm_key(x): x for la in known_las() for x in (la.name, la.official_name)}
    close = difflib.get_close_matches(norm_key(query), list(names), n=3, cutoff=0.6)
    raise UnknownLA(query, [names[c] for c in close])


def codes_with_related(codes: Iterable[str]) -> frozenset[str]:
    """``codes`` plus each one's predecessors and successors."""
    return frozenset(c for code in codes for c in (code, *related_codes(code)))
