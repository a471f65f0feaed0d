"""Full-text search over articles and Ofsted reports: one function, two engines.

SQLite uses the FTS5 tables of migration 0002 (``articles_fts``, ``reports_fts``; porter
stemming, BM25 ranking, ``snippet()`` for the matched words). PostgreSQL uses the generated
``search_tsv`` columns with their GIN indexes (``websearch_to_tsquery``, ``ts_rank_cd``,
``ts_headline``). Either way a query is first reduced to words and "quoted phrases"
(:func:`parse_query`), so FTS syntax characters in user input can never reach the engine.

Snippets and titles come back with the matched words between :data:`MARK_START` and
:data:`MARK_END` (control characters never found in stored text): the caller escapes the text
and then turns the markers into highlighting (see :func:`marked_parts`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, literal_column, select, table, text
from sqlalchemy.orm import Session, selectinload

from storage.archive import article_conditions
from storage.models import Article, Report
from storage.stories.settings import article_when
from storage.types import utcnow

__all__ = [
    "MARK_END",
    "MARK_START",
    "MAX_QUERY_CHARS",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "SearchQueryError",
    "is_search_object",
    "marked_parts",
    "parse_query",
    "search",
]

MARK_START, MARK_END = "\x02", "\x03"
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
#: the kinds of item a search covers
KINDS = ("article", "report")
#: tables, triggers, columns and indexes made by migration 0002 (not in storage.models)
_SEARCH_NAMES = re.compile(r"^(articles|reports)_fts(_\w+)?$|^search_tsv$|^ix_(articles|reports)_search_tsv$")
_TERM = re.compile(r'"([^"]*)"|(\w+)')
_WORD = re.compile(r"\w+")
_MODELS: dict[str, type[Article] | type[Report]] = {"article": Article, "report": Report}


class SearchQueryError(ValueError):
    """The search text cannot be searched for (empty, too long, no words)."""


def is_search_object(name: str | None, type_: str, parent_names: Any = None) -> bool:
    """True for the schema objects of the search migration (for Alembic ``include_name``)."""
    return bool(name) and bool(_SEARCH_NAMES.match(str(name)))


def parse_query(query: str) -> list[str]:
    """Words and "quoted phrases" of ``query``; everything else (FTS operators) is dropped.

    Raises :class:`SearchQueryError` for a query that is too long or has no words.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"the search text is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})")
    terms: list[str] = []
    for phrase, word in _TERM.findall(query):
        words = _WORD.findall(phrase) if phrase else [word]
        if words:
            terms.append(" ".join(words))
    terms = list(dict.fromkeys(t for t in terms if t.strip("_")))
    if not terms:
        raise SearchQueryError("the search text has no words to search for")
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(f"too many words to search for ({len(terms)}; at most {MAX_TERMS})")
    return terms


def marked_parts(value: str) -> list[tuple[str, bool]]:
    """Split marked text into (text, is_match) parts; stray markers are dropped."""
    parts: list[tuple[str, bool]] = []
    for n, chunk in enumerate(value.split(MARK_START)):
        if n == 0:
            parts.append((chunk.replace(MARK_END, ""), False))
            continue
        hit, sep, rest = chunk.partition(MARK_END)
        parts.append((hit, bool(sep)))
        if rest:
            parts.append((rest.replace(MARK_END, ""), False))
    return [(t, m) for t, m in parts if t]


@dataclass(frozen=True, kw_only=True)
class SearchFilters:
    la_codes: Sequence[str] = ()
    #: only these sources (None: any); reports are source "ofsted"
    sources: Sequence[str] | None = None
    kinds: Sequence[str] = KINDS
    since: date | None = None
    #: inclusive
    until: date | None = None


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    kind: str  # article | report
    id: int
    title: str  # with match markers
    snippet: str  # with match markers
    source: str
    when: date | None
    la_codes: tuple[str, ...]
    score: float
    url: str
    #: reports: Ofsted's file id (the report's address in the dashboard)
    file_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SearchPage:
    terms: list[str]
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


def _article_filters(stmt: Select[Any], f: SearchFilters) -> Select[Any]:
    return stmt.where(*article_conditions(
        la_codes=f.la_codes, sources=f.sources, since=_day_start(f.since) if f.since else None,
        until=_day_start(f.until + timedelta(days=1)) if f.until else None))


def _report_filters(stmt: Select[Any], f: SearchFilters) -> Select[Any]:
    if f.la_codes:
        stmt = stmt.where(Report.la_code.in_(list(f.la_codes)))
    if f.since:
        stmt = stmt.where(Report.published_on >= f.since)
    if f.until:
        stmt = stmt.where(Report.published_on <= f.until)
    return stmt


def _wants(f: SearchFilters, kind: str) -> bool:
    if kind not in f.kinds:
        return False
    return not (kind == "report" and f.sources is not None and "ofsted" not in f.sources)


# --------------------------------------------------------------------------- SQLite (FTS5)

#: kind -> its FTS5 table, the bm25 weights of its columns and the column of its title (the
#: next one is its text)
_FTS5 = {"article": ("articles_fts", (10.0, 1.0), 0), "report": ("reports_fts", (5.0, 5.0, 1.0), 1)}


def _fts_match(terms: Sequence[str]) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _sqlite_match(kind: str, terms: Sequence[str]) -> tuple[Select[Any], tuple[ColumnElement[Any], ...]]:
    """The ids of the ``kind`` rows matching ``terms``, and their score, title and snippet."""
    model = _MODELS[kind]
    name, weights, title = _FTS5[kind]
    fts: ColumnElement[Any] = literal_column(name)
    m0, m1 = literal(MARK_START), literal(MARK_END)
    ids = (select(model.id).select_from(model)
           .join(table(name), text(f"{name}.rowid = {model.__tablename__}.id"))
           .where(text(f"{name} MATCH :match").bindparams(match=_fts_match(terms))))
    return ids, (func.bm25(fts, *weights), func.highlight(fts, title, m0, m1),
                 func.snippet(fts, title + 1, m0, m1, "…", 32))


# --------------------------------------------------------------------------- PostgreSQL

#: kind -> its title and its text as ts_headline marks them (the text cut to what a snippet needs)
_PG_TEXTS = {"article": (Article.title, func.left(Article.body, 20000)),
             "report": (Report.label, func.left(func.coalesce(Report.text, ""), 50000))}
_PG_SNIPPET = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \""
_PG_TITLE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"


def _pg_query(terms: Sequence[str]) -> str:
    return " ".join(f'"{t}"' if " " in t else t for t in terms)


def _pg_match(kind: str, terms: Sequence[str]) -> tuple[Select[Any], tuple[ColumnElement[Any], ...]]:
    """The ids of the ``kind`` rows matching ``terms``, and their score, title and snippet."""
    model = _MODELS[kind]
    tsq = func.websearch_to_tsquery("english", _pg_query(terms))
    vec: ColumnElement[Any] = literal_column(f"{model.__tablename__}.search_tsv")
    title, body = _PG_TEXTS[kind]
    return select(model.id).select_from(model).where(vec.op("@@")(tsq)), (
        -func.ts_rank_cd(vec, tsq), func.ts_headline("english", title, tsq, _PG_TITLE),
        func.ts_headline("english", body, tsq, _PG_SNIPPET))


# --------------------------------------------------------------------------- the search


def search(session: Session, query: str, filters: SearchFilters = SearchFilters(), *,
           page: int = 1, per_page: int = 20, order: str = "relevance") -> SearchPage:
    """One page of articles and reports matching ``query``, best first (or newest: ``order="date"``).

    Near-copies of an article are left out (their original stands for them). Raises
    :class:`SearchQueryError` for a query with nothing to search for.
    """
    terms = parse_query(query)
    if page < 1 or per_page < 1:
        raise SearchQueryError("page and per_page must be at least 1")
    match = _pg_match if session.get_bind().dialect.name == "postgresql" else _sqlite_match
    want = page * per_page
    counts: dict[str, int] = {}
    found: list[tuple[str, int, float, str, str]] = []
    for kind in (k for k in KINDS if _wants(filters, k)):
        ids, (score, title, snippet) = match(kind, terms)
        ids = _article_filters(ids, filters) if kind == "article" else _report_filters(ids, filters)
        counts[kind] = int(session.execute(ids.with_only_columns(func.count())).scalar_one())
        rows_stmt = ids.with_only_columns(_MODELS[kind].id, score.label("score"), title.label("title"),
                                          snippet.label("snippet"))
        if order == "date":
            when = article_when() if kind == "article" else Report.published_on
            rows_stmt = rows_stmt.order_by(when.desc().nulls_last(), literal_column("score"))
        else:
            rows_stmt = rows_stmt.order_by(literal_column("score"))
        for row in session.execute(rows_stmt.limit(want)):
            found.append((kind, int(row.id), float(row.score or 0.0), row.title or "", row.snippet or ""))
    hits = _load_hits(session, found)
    if order == "date":
        hits.sort(key=lambda h: (h.when or date.min, -h.score), reverse=True)
    else:
        hits.sort(key=lambda h: h.score)
    start = (page - 1) * per_page
    return SearchPage(terms=terms, hits=hits[start:start + per_page], total=sum(counts.values()),
                      page=page, per_page=per_page, counts=counts)


def _load_hits(session: Session, found: Sequence[tuple[str, int, float, str, str]]) -> list[SearchHit]:
    article_ids = [i for k, i, *_ in found if k == "article"]
    report_ids = [i for k, i, *_ in found if k == "report"]
    articles = {a.id: a for a in session.execute(select(Article).where(Article.id.in_(article_ids))
                                                 .options(selectinload(Article.las))).scalars()} \
        if article_ids else {}
    reports = {r.id: r for r in session.execute(select(Report).where(Report.id.in_(report_ids))).scalars()} \
        if report_ids else {}
    hits: list[SearchHit] = []
    for kind, item_id, score, title, snippet in found:
        if kind == "article" and item_id in articles:
            a = articles[item_id]
            when = a.published_at or a.first_seen_at
            hits.append(SearchHit(kind=kind, id=a.id, title=title or a.title, snippet=snippet,
                                  source=a.source, when=when.date() if when else None,
                                  la_codes=tuple(sorted(t.la_code for t in a.las)), score=score, url=a.canonical_url))
        elif kind == "report" and item_id in reports:
            r = reports[item_id]
            hits.append(SearchHit(kind=kind, id=r.id, title=title or r.label, snippet=snippet,
                                  source="ofsted", when=r.published_on,
                                  la_codes=(r.la_code,) if r.la_code else (), score=score,
                                  url=r.file_url, file_id=r.file_id))
    return hits

