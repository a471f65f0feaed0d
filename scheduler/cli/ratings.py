"""``carewatch ratings``: every LA's current Ofsted judgements, or one LA's full history.

The current rating is the judgements of the LA's latest graded report only (storage.ratings):
after the April 2026 reform that report has no overall effectiveness grade, and the LA's
older overall grade is not shown as current. Columns merge a judgement with its like in other
frameworks (storage.judgements: SIF "leadership" under leaders, "children looked after" under
in care; the 2018-22 combined row under both in care and care leavers, marked ``*``).

One LA's history includes the authorities it replaced (their reports marked with their name),
as the dashboard's LA page does; an abolished LA's is its own, with a line naming its successors.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click
from rich.table import Table

from scheduler.cli import main
from scheduler.cli.common import app_config, console, engine_for
from storage.db import session_scope
from storage.gazetteer import (
    LocalAuthority,
    all_las,
    by_code,
    las_in_region,
    lookup,
    predecessors_of,
    regions,
)
from storage.judgements import like_kinds
from storage.models import Report
from storage.ratings import current_ratings, is_graded, report_date, report_history

TYPE_NAMES = {
    "ilacs_standard": "ILACS",
    "ilacs_short": "ILACS (short)",
    "sif": "SIF",
    "sif_reinspection": "SIF re-inspection",
    "pre_sif": "Pre-SIF",
    "monitoring_visit": "Monitoring visit",
    "focused_visit": "Focused visit",
    "jtai": "JTAI",
    "area_send": "Area SEND",
    "childrens_services_inspection": "Inspection (PDF unread)",
    "other": "Other",
}
#: short forms for the table (JSON and CSV keep the full grades and area keys)
SHORT_GRADES = {"Requires improvement to be good": "RI", "Not judged": "n/j"}
SHORT_AREAS = {
    "help_and_protection": "help & protection", "looked_after_and_permanence": "looked after",
    "in_care_and_care_leavers": "in care & care leavers", "in_care": "in care",
    "care_leavers": "care leavers", "leadership": "leadership", "leaders": "leaders",
    "adoption": "adoption", "capacity_to_improve": "capacity",
}  # fmt: skip
SEVERITY = {"Inadequate": 0, "Requires improvement to be good": 1, "Good": 2, "Outstanding": 3}
SHORT_FRAMEWORKS = {"pre_sif": "pre-SIF", "sif": "SIF", "ilacs_2018": "ILACS 18–22",
                    "ilacs_2023": "ILACS 23–26", "ilacs_2026": "ILACS 2026",
                    "framework_unknown": "unknown"}
#: table column -> the judgement kinds shown in it (a judgement and its like in other frameworks,
#: storage.judgements.LIKE), first found wins; the 2018-22 combined row under both in care and
#: care leavers, marked "*"
COLUMNS: dict[str, tuple[str, ...]] = {
    "leaders": like_kinds("leaders"),
    "help_and_protection": like_kinds("help_and_protection"),
    "in_care": (*like_kinds("in_care"), "in_care_and_care_leavers"),
    "care_leavers": (*like_kinds("care_leavers"), "in_care_and_care_leavers"),
    "overall": like_kinds("overall"),
}
COLUMN_TITLES = {"leaders": "leaders", "help_and_protection": "help & protection",
                 "in_care": "in care", "care_leavers": "care leavers", "overall": "overall"}


def columns_of(judgements: dict[str, str]) -> dict[str, str | None]:
    """One grade per table column ("Not judged" left out; a combined-row grade marked *)."""
    out: dict[str, str | None] = {}
    for column, kinds in COLUMNS.items():
        out[column] = None
        for kind in kinds:
            grade = judgements.get(kind)
            if grade and grade != "Not judged":
                out[column] = grade + ("*" if kind == "in_care_and_care_leavers" else "")
                break
    return out


def _cell(grade: str | None, framework: str | None = None, column: str = "") -> str:
    if grade is None:
        return "none (2026)" if column == "overall" and framework == "ilacs_2026" else "—"
    star = grade.endswith("*")
    grade = grade.rstrip("*")
    return SHORT_GRADES.get(grade, grade) + ("*" if star else "")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _outcome(report: Report) -> str:
    if report.overall_grade:
        return report.overall_grade
    real = [j.grade for j in report.judgements if j.grade in SEVERITY]
    if real:  # ILACS 2026 (no overall judgement) or an unknown framework
        return f"no overall; worst {min(real, key=SEVERITY.__getitem__)}"
    if report.send_outcome:
        return report.send_outcome.capitalize()
    if report.pdf_status != "ok":
        return f"(PDF {report.pdf_status.replace('_', ' ')})"
    return "ungraded"


def _report_dict(report: Report) -> dict[str, Any]:
    return {
        "file_id": report.file_id,
        "report_type": report.report_type,
        "label": report.label,
        "published_on": _iso(report.published_on),
        "inspection_start": _iso(report.inspection_start),
        "inspection_end": _iso(report.inspection_end),
        "graded": report.graded,
        "framework": report.framework,
        "overall": report.overall_grade,
        "send_outcome": report.send_outcome,
        "judgements": {j.area: j.grade for j in report.judgements},
        "priority_action": report.priority_action,
        "lead_inspector": report.lead_inspector,
        "la_name": report.la_name,
        "pdf_status": report.pdf_status,
        "url": report.file_url,
        "provider_url": report.provider_url,
    }


def _dates(report: Report) -> str:
    start, end = report.inspection_start, report.inspection_end
    if start and end and start != end:
        return f"{start.isoformat()} – {end.isoformat()}"
    one = start or end
    return one.isoformat() if one else ""


def _emit(rows: list[dict[str, Any]], *, as_json: bool, as_csv: bool, columns: list[str]) -> bool:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return True
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()})
        click.echo(out.getvalue(), nl=False)
        return True
    return False


def _selected_las(las: tuple[str, ...], region: str | None) -> list[LocalAuthority]:
    chosen = [lookup(name) for name in las] if las else list(all_las())
    if region:
        in_region = las_in_region(region)
        if not in_region:
            raise click.ClickException(f"unknown region {region!r}; expected one of: {', '.join(regions())}")
        keep = {la.ons_code for la in in_region}
        chosen = [la for la in chosen if la.ons_code in keep]
    return chosen


def _summary(ctx: click.Context, las: tuple[str, ...], region: str | None, as_json: bool, as_csv: bool) -> None:
    chosen = _selected_las(las, region)
    engine = engine_for(app_config(ctx))
    with session_scope(engine) as session:
        current = current_ratings(session)
        rows: list[dict[str, Any]] = []
        for la in sorted(chosen, key=lambda la: la.name):
            rating = current.get(la.ons_code)
            row: dict[str, Any] = {"la": la.name, "ons_code": la.ons_code, "region": la.region, "urn": la.urn}
            if rating is not None:
                row.update(_report_dict(rating.report))
                row["judgements"] = dict(rating.judgements)
            else:
                row.update({"framework": None, "overall": None, "judgements": {}, "published_on": None,
                            "url": None})
            row.update(columns_of(row["judgements"]))
            row["overall"] = rating.overall if rating is not None else None
            rows.append(row)
        if not las and not region:  # providers the gazetteer does not know, after the LAs
            for key, rating in sorted(current.items()):
                if key.startswith("urn:"):
                    report = rating.report
                    rows.append({"la": report.la_name or report.provider_name or key, "ons_code": None,
                                 "region": None, "urn": report.urn, **_report_dict(report),
                                 "judgements": dict(rating.judgements), **columns_of(rating.judgements),
                                 "overall": rating.overall})
    engine.dispose()
    columns = ["la", "ons_code", "region", "urn", "framework", *COLUMNS, "published_on", "report_type",
               "inspection_start", "inspection_end", "judgements", "url"]
    if _emit(rows, as_json=as_json, as_csv=as_csv, columns=columns):
        return
    graded = sum(1 for r in rows if r.get("judgements"))
    table = Table(title=f"Current Ofsted judgements: {graded} of {len(rows)} LA(s) graded",
                  caption="latest graded report per LA; RI = requires improvement to be good; "
                          "* = combined in care and care leavers row (2018–22)")
    for name in ("LA", "region", *(COLUMN_TITLES[c] for c in COLUMNS), "framework", "published"):
        table.add_column(name)
    table.add_column("report", overflow="fold")
    for r in rows:
        table.add_row(r["la"], r["region"] or "",
                      *(_cell(r.get(c), r.get("framework"), c) if r.get("judgements") else "—" for c in COLUMNS),
                      SHORT_FRAMEWORKS.get(r.get("framework") or "", r.get("framework") or ""),
                      r.get("published_on") or "", r.get("url") or "")
    console.print(table)


def _successors_note(la: LocalAuthority) -> str | None:
    """For an abolished LA, the line pointing to its successors (whose histories start with it)."""
    if la.abolished is None:
        return None
    names = [by_code(code).name for code in la.successors]
    if len(names) == 1:
        who = f"its successor is {names[0]}, whose history starts"
    else:
        who = f"its successors are {', '.join(names[:-1])} and {names[-1]}, whose histories start"
    return (f"{la.name} was abolished on {la.abolished.isoformat()}; {who} with its inspections "
            f"(carewatch ratings \"{names[0]}\")")


def _history(ctx: click.Context, name: str, newest_first: bool, as_json: bool, as_csv: bool) -> None:
    """The LA's own reports and those of the authorities it replaced (marked with their name);
    never its successors' (an abolished LA's history ends when it did)."""
    la = lookup(name)
    predecessors = {code: by_code(code).name for code in predecessors_of(la.ons_code)}
    engine = engine_for(app_config(ctx))
    with session_scope(engine) as session:
        reports = report_history(session, la_code=la.ons_code, urn=la.urn, la_codes=predecessors)
        graded_ids = {r.id for r in reports if is_graded(r)}
        if newest_first:
            reports.reverse()
        rows = [{"la": la.name, "ons_code": la.ons_code, "urn": la.urn, **_report_dict(r),
                 "predecessor": predecessors.get(r.la_code or ""),
                 "date": _iso(report_date(r)), "outcome": _outcome(r), "dates": _dates(r),
                 "graded_report": r.id in graded_ids} for r in reports]
    engine.dispose()
    columns = ["la", "published_on", "report_type", "framework", "inspection_start", "inspection_end",
               "graded", "overall", "send_outcome", "judgements", "pdf_status", "file_id", "url"]
    if _emit(rows, as_json=as_json, as_csv=as_csv, columns=columns):
        return
    note = _successors_note(la)
    if note:
        console.print(note)
    order = "newest first" if newest_first else "oldest first"
    table = Table(title=f"{la.name} (URN {la.urn or '?'}): {len(rows)} Ofsted report(s), {order}",
                  caption="RI = requires improvement to be good; n/j = not judged")
    for name in ("published", "type", "inspected", "outcome", "judgements"):
        table.add_column(name)
    table.add_column("report", overflow="fold")
    for r in rows:
        judged = "; ".join(f"{SHORT_AREAS.get(k, k)}: {SHORT_GRADES.get(v, v)}"
                           for k, v in r["judgements"].items() if k != "overall")
        kind = TYPE_NAMES.get(r["report_type"], r["report_type"])
        table.add_row(r["published_on"] or "", kind + (f" ({r['predecessor']})" if r["predecessor"] else ""), r["dates"],
                      r["outcome"], judged, r["url"] or "")
    console.print(table)
    graded = [r for r in rows if r["graded_report"]]
    if graded:
        history = Table(title=f"{la.name}: each judgement over {len(graded)} graded inspection(s), {order}",
                        caption="* = combined in care and care leavers row (2018–22); "
                                "none (2026) = no overall judgement since the April 2026 reform")
        for name in ("published", "framework", *(COLUMN_TITLES[c] for c in COLUMNS)):
            history.add_column(name)
        for r in graded:
            cols = columns_of(r["judgements"])
            framework = SHORT_FRAMEWORKS.get(r["framework"] or "", r["framework"] or "")
            history.add_row(r["published_on"] or "",
                            framework + (f" ({r['predecessor']})" if r["predecessor"] else ""),
                            *(_cell(cols[c], r["framework"], c) for c in COLUMNS))
        console.print(history)


@main.command("ratings")
@click.argument("la_name", metavar="[LA]", required=False)
@click.option("--la", "las", multiple=True, help="Only this LA (name, variant, ONS code or URN; repeatable).")
@click.option("--region", help="Only LAs in this ONS region, e.g. London.")
@click.option("--newest-first", is_flag=True, help="With LA: list the history newest first (default oldest first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_context
def ratings_cmd(ctx: click.Context, la_name: str | None, las: tuple[str, ...], region: str | None,
                newest_first: bool, as_json: bool, as_csv: bool) -> None:
    """Every LA's current Ofsted judgements (leaders, help and protection, in care, care
    leavers, overall where the framework has one) from its latest graded report; with LA,
    that LA's full history (every report, graded or not, and each judgement over time),
    oldest first (--newest-first to reverse)."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    if la_name:
        if las or region:
            raise click.UsageError("--la and --region filter the summary; not with an LA argument")
        _history(ctx, la_name, newest_first, as_json, as_csv)
    else:
        _summary(ctx, las, region, as_json, as_csv)
