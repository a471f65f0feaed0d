"""Alert emails: subject, plain-text and HTML parts, for one item, a digest or an operator note.

Scraped text is untrusted: control characters (CR/LF included) are stripped and whitespace
collapsed before anything goes into a header (RELIABILITY.md §1 item 8, E5), the HTML part is
rendered by Jinja2 with autoescaping on (item 9, E10), and links are kept only when they are
http(s). The subject says what happened, judgements first (overall where the framework has
one, then the others worst first, each with "(was …)" when it changed since the latest earlier
inspection that graded it, as the dashboard shows it), capped at about 150 characters; the body lists every judgement.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from urllib.parse import urlsplit

from jinja2 import Environment
from markupsafe import Markup

from crawler.ofsted.frameworks import FRAMEWORK_NAMES, FW_ILACS_2026, FW_UNKNOWN
from crawler.ofsted.normalise import NOT_JUDGED
from scheduler.rules.base import Candidate
from scheduler.rules.judgements import GRADE_SHORT, judgement_name, worst_first
from storage.cleantext import one_line

SUBJECT_MAX = 150
EXCERPT_CHARS = 400
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

REPORT_TYPE_LABELS = {
    "ilacs_standard": "ILACS inspection",
    "ilacs_short": "ILACS short inspection",
    "sif": "SIF inspection",
    "sif_reinspection": "SIF re-inspection",
    "monitoring_visit": "monitoring visit",
    "focused_visit": "focused visit",
    "jtai": "joint targeted area inspection",
    "area_send": "area SEND inspection",
    "other": "report",
}

_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
# Plain-text parts only: nothing rendered here is ever interpreted as HTML.
_text_env = Environment(autoescape=False, trim_blocks=True, lstrip_blocks=True)  # noqa: S701

_ITEM_TEXT = _text_env.from_string("""\
{{ title(c) }}
{% if framework(c) %}
Framework: {{ framework(c) }}
{% endif %}
{% for name, grade, was in rows(c) %}
  {{ name }}: {{ grade }}{% if was %} (was {{ was }}){% endif %}

{% endfor %}
{% if compared(c) %}
{{ compared(c) }}
{% endif %}
Source: {{ c.source_name or c.source }}
Date: {{ when(c) }}
LA: {{ c.la_names | join(", ") or "not identified" }}
{% if excerpt(c) %}

{{ excerpt(c) }}
{% endif %}
{% if link(c) %}

{{ link(c) }}
{% endif %}
""")

_ITEM_HTML = _env.from_string("""\
<h3>{% if link(c) %}<a href="{{ link(c) }}">{{ title(c) }}</a>{% else %}{{ title(c) }}{% endif %}</h3>
{% if framework(c) %}<p>Framework: {{ framework(c) }}</p>{% endif %}
{% if rows(c) %}<table>
{% for name, grade, was in rows(c) %}<tr><td>{{ name }}</td><td><b>{{ grade }}</b></td><td>{% if was %}was {{ was }}{% endif %}</td></tr>
{% endfor %}</table>{% endif %}
{% if compared(c) %}<p>{{ compared(c) }}</p>{% endif %}
<p>Source: {{ c.source_name or c.source }}<br>Date: {{ when(c) }}<br>
LA: {{ c.la_names | join(", ") or "not identified" }}</p>
{% if excerpt(c) %}<blockquote>{{ excerpt(c) }}</blockquote>{% endif %}
""")

_DIGEST_HTML = _env.from_string("""\
<html><body>
<p>{{ intro }}</p>
{% for la, entries in groups %}
<h2>{{ la }}</h2>
{% for e in entries %}{{ item_html(e.lead) }}
{% if e.coverage %}<p>Coverage:</p><ul>
{% for c in e.coverage %}<li>{% if link(c) %}<a href="{{ link(c) }}">{{ title(c) }}</a>{% else %}{{ title(c) }}{% endif %} ({{ c.source_name or c.source }})</li>
{% endfor %}</ul>{% endif %}
{% if e.outlets %}<p>Also reported by: {{ e.outlets | join(", ") }}</p>{% endif %}
{% endfor %}
{% endfor %}
</body></html>
""")


@dataclass
class DigestEntry:
    """One entry of a digest: a report with the coverage under it, or one story's lead article."""

    lead: Candidate
    #: articles of stories that follow this report (reports only)
    coverage: list[Candidate] = field(default_factory=list)
    #: other outlets that carried the same story (articles only)
    outlets: list[str] = field(default_factory=list)


def digest_entries(items: Sequence[Candidate]) -> list[DigestEntry]:
    """Reports first, each with the coverage of stories that follow it; then each other story
    once (its earliest article, with the other outlets named); then everything else."""
    entries: list[DigestEntry] = []
    by_report: dict[int, DigestEntry] = {}
    for c in items:
        if c.kind == "report":
            by_report[c.id] = DigestEntry(lead=c)
            entries.append(by_report[c.id])
    by_story: dict[int, DigestEntry] = {}
    dated = sorted((c for c in items if c.kind != "report"),
                   key=lambda c: (str(c.published or ""), c.id))
    for c in dated:
        if c.story_report_id is not None and c.story_report_id in by_report:
            by_report[c.story_report_id].coverage.append(c)
        elif c.story_id is not None and c.story_id in by_story:
            entry = by_story[c.story_id]
            name = c.source_name or c.source
            if name not in entry.outlets and name != (entry.lead.source_name or entry.lead.source):
                entry.outlets.append(name)
        else:
            entry = DigestEntry(lead=c)
            if c.story_id is not None:
                by_story[c.story_id] = entry
            entries.append(entry)
    return entries


def clean_header(text: str | None) -> str:
    """One line of text safe for a header: no control, format or bidi characters, single spaces
    (storage.cleantext.one_line, which also cleans titles as they are crawled)."""
    return one_line(text)


def cap(text: str, limit: int = SUBJECT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_link(url: str | None) -> str:
    """``url`` if it is an absolute http(s) URL, else ""."""
    url = clean_header(url)
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _when(c: Candidate) -> str:
    if isinstance(c.published, datetime):
        return c.published.strftime("%d %B %Y %H:%M")
    if isinstance(c.published, date):
        return c.published.strftime("%d %B %Y")
    return "not given"


def _excerpt(c: Candidate) -> str:
    text = " ".join(_CONTROL.sub(" ", c.body or "").split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def _ordered(c: Candidate) -> list[tuple[str, str]]:
    """The report's judgements: overall first where there is one, then worst first."""
    graded = c.graded()
    overall = [j for j in graded if j[0] == "overall" and j[1] != NOT_JUDGED]
    return overall + worst_first(j for j in graded if j[0] != "overall")


def _rows(c: Candidate) -> list[tuple[str, str, str | None]]:
    """(name, grade, previous grade if it changed) for every judgement, for the body."""
    before = c.before()
    out: list[tuple[str, str, str | None]] = []
    for kind, grade in _ordered(c):
        was = before.get(kind)
        out.append((judgement_name(kind), grade, was if was and was != grade else None))
    return out + [(judgement_name(k), g, None) for k, g in c.judgements if g == NOT_JUDGED]


def _framework(c: Candidate) -> str:
    if c.kind != "report" or not c.framework:
        return ""
    name = FRAMEWORK_NAMES.get(c.framework, c.framework)
    if c.framework == FW_ILACS_2026:
        return f"{name} (since April 2026 no overall effectiveness judgement)"
    if c.framework == FW_UNKNOWN:
        return "not recognised: every grade row found is listed"
    return name


def _inspection_name(la: str, framework: str) -> str:
    """"ILACS 2018–22", or "Northamptonshire's ILACS 2018–22" for an LA the report's replaced."""
    name = FRAMEWORK_NAMES.get(framework, framework)
    return f"{la}'s {name}" if la and name else la or name


def _compared(c: Candidate) -> str:
    if c.kind != "report" or not c.graded():
        return ""
    if not c.before():
        return "No earlier graded inspection to compare with."
    las = c.previous_las or ("",) * len(c.previous_frameworks)
    names = (_inspection_name(la, fw) for la, fw in zip(las, c.previous_frameworks, strict=True))
    named = ", ".join(dict.fromkeys(name for name in names if name))
    if len(c.previous_frameworks) <= 1:
        return f"Compared with the previous graded inspection{f' ({named})' if named else ''}, judgement by judgement."
    return ("Compared, judgement by judgement, with the latest earlier inspection that graded each"
            + (f" ({named})." if named else "."))


_helpers = {"when": _when, "title": lambda c: clean_header(c.title), "excerpt": _excerpt,
            "link": lambda c: safe_link(c.url), "rows": _rows, "framework": _framework,
            "compared": _compared}


def _la_label(c: Candidate) -> str:
    return ", ".join(c.la_names) or "LA not identified"


def _short(grade: str) -> str:
    return GRADE_SHORT.get(grade, grade)


def _report_label(c: Candidate) -> str:
    label = REPORT_TYPE_LABELS.get(c.report_type or "other", "report")
    if c.framework == FW_ILACS_2026:
        return "ILACS 2026" + (" short inspection" if c.report_type == "ilacs_short" else "")
    if c.framework == FW_UNKNOWN:
        return f"{label} (new framework?)"
    return label


def _judgement_subject(c: Candidate, room: int) -> str:
    """"Help and protection: Inadequate (was Good); Leaders: …", overall first, then worst
    first; when that does not fit in ``room``, the unchanged ones are summed up at the end."""
    before = c.before()
    changed: list[str] = []
    parts: list[str] = []
    same: list[str] = []
    for kind, grade in _ordered(c):
        name = "Overall" if kind == "overall" else judgement_name(kind)
        was = before.get(kind)
        part = f"{name}: {_short(grade)}"
        if was and was != grade:
            part += f" (was {_short(was)})"
            changed.append(part)
        else:
            same.append(_short(grade))
        parts.append(part)
    text = "; ".join(parts)
    if len(text) <= room or not changed or not same:
        return text
    rest = f"others: {same[0]}" if len(set(same)) == 1 else "others unchanged"
    return "; ".join([*changed, rest])


def subject_for(c: Candidate) -> str:
    """What happened, judgements first: "Ofsted: Croydon — ILACS 2026 — Help and protection:
    Inadequate (was Good); Leaders: …"."""
    if c.kind == "report":
        text = f"Ofsted: {_la_label(c)} — {_report_label(c)}"
        judged = _judgement_subject(c, SUBJECT_MAX - len(text) - 3)
        if judged:
            text += f" — {judged}"
    elif c.kind == "revision":
        text = f"Updated: {_la_label(c)} — {c.title} — {c.source_name or c.source}"
    else:
        text = f"News: {_la_label(c)} — {c.title} — {c.source_name or c.source}"
    return cap(clean_header(text))


def _base(sender: str, recipient: str, subject: str, message_id: str) -> EmailMessage:
    msg = EmailMessage(policy=default_policy)
    msg["From"] = Address(addr_spec=sender) if "@" in sender else sender
    msg["To"] = recipient
    msg["Subject"] = cap(clean_header(subject))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _render_item(c: Candidate, html: bool) -> str:
    """One item's part; the HTML one is autoescaped, so it goes into the digest as Markup."""
    return (_ITEM_HTML if html else _ITEM_TEXT).render(c=c, **_helpers)


def item_message(c: Candidate, *, sender: str, recipient: str, message_id: str,
                 rule: str) -> EmailMessage:
    """One alert about one item."""
    msg = _base(sender, recipient, subject_for(c), message_id)
    footer = f"\n-- \ncarewatch alert rule {rule!r}\n"
    text = _render_item(c, html=False).replace("\r", "")
    msg.set_content(text + footer)
    html = _env.from_string("<html><body>{{ body }}<p><small>carewatch alert rule {{ rule }}</small></p>"
                            "</body></html>").render(body=Markup(_render_item(c, html=True)), rule=rule)
    msg.add_alternative(html, subtype="html")
    return msg


def group_by_la(items: Sequence[Candidate]) -> list[tuple[str, list[Candidate]]]:
    """Items grouped under each LA they concern (sorted), "Other" last."""
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in items:
        for name in c.la_names or ("Other",):
            groups[name].append(c)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "Other", kv[0]))


def digest_message(items: Sequence[Candidate], *, sender: str, recipient: str, message_id: str,
                   title: str) -> EmailMessage:
    """Several items in one email, grouped by LA."""
    groups = [(la, digest_entries(group)) for la, group in group_by_la(items)]
    las = [la for la, _ in groups if la != "Other"]
    subject = f"carewatch {title}: {len(items)} new item{'s' if len(items) != 1 else ''}"
    if las:
        subject += " — " + ", ".join(las)
    msg = _base(sender, recipient, subject, message_id)
    lines = [f"{title}: {len(items)} new item(s)", ""]
    for la, entries in groups:
        lines += [la, "=" * len(la), ""]
        for e in entries:
            c = e.lead
            lines += [f"* {subject_for(c)}", *("  " + ln for ln in _render_item(c, False).splitlines() if ln)]
            if e.coverage:
                lines.append("  Coverage:")
                lines += [f"  - {clean_header(a.title)} ({a.source_name or a.source}) {safe_link(a.url)}".rstrip()
                          for a in e.coverage]
            if e.outlets:
                lines.append("  Also reported by: " + ", ".join(e.outlets))
            lines.append("")
    msg.set_content("\n".join(lines) + "\n")
    msg.add_alternative(_DIGEST_HTML.render(
        intro=f"{title}: {len(items)} new item(s)", groups=groups,
        item_html=lambda c: Markup(_render_item(c, html=True)), **_helpers), subtype="html")
    return msg


def operator_message(subject: str, body: str, *, sender: str, recipient: str,
                     message_id: str) -> EmailMessage:
    msg = _base(sender, recipient, f"carewatch: {subject}", message_id)
    msg.set_content(body + "\n")
    msg.add_alternative(_env.from_string("<html><body><pre>{{ body }}</pre></body></html>").render(body=body),
                        subtype="html")
    return msg


def message_id_for(kind: str, delivery_id: int, sender: str) -> str:
    """A stable Message-ID for a delivery (or a batch, by its first delivery id)."""
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "localhost"
    return f"<carewatch.{kind}-{delivery_id}@{clean_header(domain) or 'localhost'}>"
