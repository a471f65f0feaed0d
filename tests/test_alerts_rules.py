"""Alert rules: data-driven matching cases, config validation, message rendering."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.config import ConfigError
from scheduler.config import load_config
from scheduler.messages import digest_message, group_by_la, item_message, subject_for
from scheduler.rules import Candidate, load_rules
from storage import gazetteer

CASES = tomllib.loads((Path(__file__).parent / "data" / "rule_cases.toml").read_text())["case"]
SOURCES = {"ofsted", "communitycare", "croydon"}
RI = "Requires improvement to be good"


def _candidate(raw: dict[str, Any]) -> Candidate:
    raw = dict(raw)
    las = [gazetteer.lookup(n) for n in raw.pop("las", [])]
    for key in ("judgements", "previous"):
        if key in raw:
            raw[key] = tuple(tuple(pair) for pair in raw[key])
    return Candidate(id=1, la_codes=frozenset(la.ons_code for la in las),
                     la_names=tuple(la.name for la in las), **raw)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_rule_case(case: dict[str, Any]) -> None:
    rules = load_rules({"r": case["rule"]}, file=None, operator_email="op@example.org", source_ids=SOURCES)
    assert rules["r"].matches(_candidate(case["item"])) is case["match"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "carewatch.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("[rules.x]\nitem = 'report'\nla = ['Croydon']\n", r"\[rules\.x\]: unknown key 'la'; expected one of: .*las"),
    ("[rules.x]\nitem = 'article'\ngrades = ['Good']\n", r"\[rules\.x\]: unknown key 'grades'"),
    ("[rules.x]\nitem = 'tweet'\n", r"\[rules\.x\]: key 'item' must be one of"),
    ("[rules.x]\nlas = ['Atlantis']\n", r"\[rules\.x\]: key 'las': unknown local authority"),
    ("[rules.x]\nregions = ['Narnia']\n", r"\[rules\.x\]: key 'regions': unknown region 'Narnia'"),
    ("[rules.x]\ngrades = ['Great']\n", r"key 'grades': 'Great' is not one of"),
    ("[rules.x]\njudgements = ['overall_effectiveness']\n",
     r"key 'judgements': 'overall_effectiveness' is not one of: overall, leaders"),
    ("[rules.x]\nitem = 'article'\njudgements = ['leaders']\n", r"\[rules\.x\]: unknown key 'judgements'"),
    ("[rules.x]\ndelivery = 'digest'\ndigest_at = '8am'\n", r"key 'digest_at': '8am' is not HH:MM"),
    ("[rules.x]\nrecipients = ['not-an-address']\n", r"key 'recipients'"),
    ("[mail]\nsmtp_hots = 'x'\n", r"\[mail\]: unknown key 'smtp_hots'"),
    ("[operator]\nemail = 'op@example.org'\nphone = '1'\n", r"\[operator\]: unknown key 'phone'"),
    ("[service]\nflood_cap = 'many'\n", r"\[service\]: key 'flood_cap' must be int"),
    ("[service]\nmax_parallel_crawls = '2'\n", r"\[service\]: key 'max_parallel_crawls' must be int, not str"),
    ("[service]\nmax_parallel_crawls = 0\n", r"\[service\]: 'max_parallel_crawls' .* at least 1"),
    ("[service]\ninterval_seconds = { croydon = 'fast' }\n",
     r"\[service\.interval_seconds\]: key 'croydon' must be int or float, not str"),
    ("[mail]\nfrom_nam = 'x'\n", r"\[mail\]: unknown key 'from_nam'"),
    ("[service.interval_seconds]\nnosuch = 5\n", r"\[service\.interval_seconds\]: unknown source 'nosuch'"),
])
def test_config_errors_name_file_section_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_default_rule_ships_and_can_be_switched_off(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, "[operator]\nemail = 'op@example.org'\n"))
    rule = cfg.rules["ofsted_reports"]
    assert (rule.kind, rule.delivery, rule.recipients) == ("report", "immediate", ("op@example.org",))
    cfg = load_config(_write(tmp_path, "[rules.ofsted_reports]\nenabled = false\n"))
    assert "ofsted_reports" not in cfg.enabled_rules


def _report(**kw: Any) -> Candidate:
    base: dict[str, Any] = dict(kind="report", id=7, source="ofsted", la_codes=frozenset({"E09000008"}),
                                la_names=("Croydon",), title="Children's services inspection",
                                report_type="ilacs_standard", published=date(2026, 11, 27),
                                url="https://files.ofsted.gov.uk/v1/file/123")
    base.update(kw)
    return Candidate(**base)


def test_subject_says_what_happened() -> None:
    c = _report(overall_grade="Inadequate", previous_grade="Requires improvement to be good")
    assert subject_for(c) == ("Ofsted: Croydon — ILACS inspection — Overall: Inadequate "
                              "(was Requires improvement)")
    assert subject_for(_report(report_type="monitoring_visit")) == "Ofsted: Croydon — monitoring visit"
    long = Candidate(kind="article", id=1, source="x", title="é’🙂 " * 100)
    assert len(subject_for(long)) <= 150


def test_2026_subject_gives_judgements_worst_first_with_what_changed() -> None:
    c = _report(framework="ilacs_2026", judgements=(
        ("leaders", RI), ("help_and_protection", "Inadequate"), ("in_care", "Good"), ("care_leavers", "Good")),
        previous=(("leaders", "Good"), ("help_and_protection", "Good"), ("in_care", "Good"),
                  ("care_leavers", "Good")))
    assert subject_for(c).startswith("Ofsted: Croydon — ILACS 2026 — Help and protection: Inadequate "
                                     "(was Good); Leaders: Requires improvement (was Good); ")
    assert "Overall" not in subject_for(c)
    msg = item_message(c, sender="cw@example.org", recipient="u@example.org", message_id="<m@x>", rule="r")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for line in ("Help and protection: Inadequate (was Good)", f"Leaders: {RI} (was Good)",
                 "Children in care: Good", "Care leavers: Good", "no overall effectiveness judgement"):
        assert line in text


def test_first_inspection_subject_has_no_was() -> None:
    c = _report(framework="ilacs_2023", overall_grade="Good", judgements=(
        ("leaders", "Good"), ("help_and_protection", RI), ("in_care", "Good"), ("care_leavers", "Good"),
        ("overall", "Good")))
    subject = subject_for(c)
    assert subject.startswith("Ofsted: Croydon — ILACS inspection — Overall: Good; Help and protection: "
                              "Requires improvement; Leaders: Good; Children in care: Good")
    assert "(was" not in subject and len(subject) <= 150


def test_hostile_title_gives_one_clean_subject_and_escaped_html() -> None:
    title = "Report\r\nBcc: evil@example.com <script>alert(1)</script>"
    c = Candidate(kind="article", id=1, source="communitycare", title=title, url="javascript:alert(1)",
                  body="<img src=x onerror=alert(1)>")
    msg = item_message(c, sender="cw@example.org", recipient="u@example.org", message_id="<m@x>", rule="r")
    raw = msg.as_string()
    assert "\nBcc:" not in raw
    assert "\r" not in str(msg["Subject"]) and "\n" not in str(msg["Subject"])
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "<img" not in html
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Report Bcc: evil@example.com <script>alert(1)</script>" in text


def test_digest_grouped_by_la() -> None:
    a = Candidate(kind="article", id=1, source="communitycare", title="Lambeth news",
                  la_codes=frozenset({"E09000022"}), la_names=("Lambeth",))
    b = _report(overall_grade="Good")
    c = Candidate(kind="article", id=2, source="communitycare", title="Both",
                  la_codes=frozenset({"E09000022", "E09000008"}), la_names=("Croydon", "Lambeth"))
    d = Candidate(kind="article", id=3, source="communitycare", title="National news")
    groups = group_by_la([a, b, c, d])
    assert [(la, [x.title for x in items]) for la, items in groups] == [
        ("Croydon", ["Children's services inspection", "Both"]),
        ("Lambeth", ["Lambeth news", "Both"]),
        ("Other", ["National news"]),
    ]
    msg = digest_message([a, b, c, d], sender="cw@example.org", recipient="u@example.org",
                         message_id="<d@x>", title="daily digest")
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert html.index("<h2>Croydon</h2>") < html.index("<h2>Lambeth</h2>") < html.index("<h2>Other</h2>")
    assert "4 new items" in str(msg["Subject"])
