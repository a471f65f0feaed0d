"""Line diffs between an article's successive texts, for the article page (escaped by the template)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from web.schemas import ArticleDetailOut


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added", "removed"
    text: str


@dataclass(frozen=True)
class RevisionDiff:
    older: str  # "revision 1"
    newer: str  # "revision 2" or "current text"
    title_change: tuple[str, str] | None
    lines: tuple[DiffLine, ...]
    added: int
    removed: int


def _diff(old: str, new: str) -> tuple[DiffLine, ...]:
    out: list[DiffLine] = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        out.append(DiffLine({"+ ": "added", "- ": "removed"}.get(tag, "same"), text))
    return tuple(out)


def revision_diffs(article: ArticleDetailOut) -> list[RevisionDiff]:
    """One diff per change, oldest first: revision n -> revision n+1 ... -> the current text."""
    texts = [(f"revision {r.number}", r.title, r.body) for r in article.revisions]
    texts.append(("current text", article.title, article.body))
    diffs = []
    for (name_a, title_a, body_a), (name_b, title_b, body_b) in zip(texts, texts[1:], strict=False):
        lines = _diff(body_a, body_b)
        diffs.append(RevisionDiff(
            older=name_a, newer=name_b, title_change=(title_a, title_b) if title_a != title_b else None,
            lines=lines, added=sum(1 for x in lines if x.op == "added"),
            removed=sum(1 for x in lines if x.op == "removed")))
    return diffs
