"""Alert rules from ``[rules.<name>]`` tables, plus the default rule that ships.

The default rule, ``ofsted_reports``, sends every new Ofsted LA report immediately to the
operator address. A ``[rules.ofsted_reports]`` table changes it (``enabled = false`` turns
it off).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crawler.config import ConfigError, table_fields
from crawler.sources import KINDS as SOURCE_KINDS
from scheduler.notifiers.apprise_notifier import is_apprise_url
from scheduler.rules import kinds as _kinds  # noqa: F401  (registers the kinds)
from scheduler.rules.base import (
    DELIVERIES,
    GRADES,
    REPORT_TYPES,
    Candidate,
    Rule,
)
from scheduler.rules.judgements import JUDGEMENT_KINDS

__all__ = ["Candidate", "Rule", "load_rules", "DEFAULT_RULE", "GRADES", "JUDGEMENT_KINDS",
           "REPORT_TYPES"]

DEFAULT_RULE = "ofsted_reports"
_DEFAULT_RAW: dict[str, Any] = {"item": "report", "delivery": "immediate"}
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
#: an email address as config files give one (no display name, no list)
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")


def _las(values: tuple[str, ...], regions: tuple[str, ...], *, file: Path | None,
         section: str) -> frozenset[str]:
    from storage import gazetteer

    codes: set[str] = set()
    for name in values:
        try:
            codes.add(gazetteer.lookup(name).ons_code)
        except LookupError as exc:
            raise ConfigError(file, section, f"key 'las': {exc}") from None
    known = {r.casefold(): r for r in gazetteer.regions()}
    for region in regions:
        if region.casefold() not in known:
            raise ConfigError(file, section, f"key 'regions': unknown region {region!r}; "
                                             f"expected one of: {', '.join(sorted(known.values()))}")
        codes.update(la.ons_code for la in gazetteer.las_in_region(region))
    # across reorganisations: a rule for West Northamptonshire also matches items about
    # Northamptonshire County Council, and a rule for Cumbria its successors
    return gazetteer.codes_with_related(codes)


def _parse_rule(name: str, raw: dict[str, Any], *, file: Path | None, operator_email: str,
                source_ids: set[str]) -> Rule:
    section = f"rules.{name}"
    if not _NAME.match(name):
        raise ConfigError(file, section, "rule names are letters, digits, _ and -")
    item = raw.get("item", "report")
    if item not in Rule.registry:
        raise ConfigError(file, section, f"key 'item' must be one of: {', '.join(sorted(Rule.registry))}")
    cls = Rule.registry[item]
    # The kind's dataclass fields are its keys (with their types); a lone string counts as a list.
    kwargs = table_fields(cls, {k: v for k, v in raw.items() if k != "item"}, file=file, section=section,
                          exclude={"name", "la_codes"}, one_or_many=True)
    rule: Rule = cls(name=name, **kwargs)
    checks: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        ("sources", rule.sources, tuple(sorted(source_ids))),
        ("source_kinds", rule.source_kinds, SOURCE_KINDS),
        ("report_types", getattr(rule, "report_types", ()), REPORT_TYPES),
        ("grades", getattr(rule, "grades", ()), GRADES),
        ("judgements", getattr(rule, "judgements", ()), JUDGEMENT_KINDS),
        ("delivery", (rule.delivery,), DELIVERIES),
    ]
    for key, values, allowed in checks:
        for v in values:
            if v not in allowed:
                raise ConfigError(file, section, f"key {key!r}: {v!r} is not one of: {', '.join(allowed)}")
    if not _HHMM.match(rule.digest_at):
        raise ConfigError(file, section, f"key 'digest_at': {rule.digest_at!r} is not HH:MM (24-hour)")
    recipients = rule.recipients or (operator_email,)
    for r in recipients:
        if is_apprise_url(r):  # msteams://, slack://, json://… (scheduler.notifiers.apprise_notifier)
            if len(r) > 320:
                raise ConfigError(file, section, "key 'recipients': an Apprise URL is longer than 320 characters")
        elif not EMAIL.match(r):
            raise ConfigError(file, section, f"key 'recipients': {r!r} is not an email address or an Apprise URL")
    codes = _las(rule.las, rule.regions, file=file, section=section)
    return cls(**{**{k: getattr(rule, k) for k in cls.options()}, "name": name,
                  "recipients": tuple(dict.fromkeys(recipients)), "la_codes": codes})


def load_rules(raw_rules: dict[str, Any], *, file: Path | None, operator_email: str,
               source_ids: set[str]) -> dict[str, Rule]:
    """Every rule, the default one included, keyed by name."""
    if not isinstance(raw_rules, dict):
        raise ConfigError(file, "rules", "must be a table of [rules.<name>] tables")
    merged: dict[str, dict[str, Any]] = {DEFAULT_RULE: dict(_DEFAULT_RAW)}
    for name, raw in raw_rules.items():
        if not isinstance(raw, dict):
            raise ConfigError(file, f"rules.{name}", "must be a table")
        merged[name] = {**merged.get(name, {}), **raw}
    return {name: _parse_rule(name, raw, file=file, operator_email=operator_email, source_ids=source_ids)
            for name, raw in merged.items()}
