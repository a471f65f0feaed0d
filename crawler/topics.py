"""Is a text about children's services? Used for sources that publish all sorts (council feeds)."""

from __future__ import annotations

import re

_TERMS = [
    r"children'?s services", r"children'?s social care", r"social work(ers?)?", r"safeguarding",
    r"ofsted", r"looked[- ]after child(ren)?", r"children in care", r"care leavers?",
    r"child protection", r"foster(ing|ers?| care)", r"adoption", r"youth (service|offending|justice)",
    r"special educational needs", r"\bSEND\b", r"family hubs?", r"early help",
    r"children'?s (homes?|commissioner)", r"corporate parent(ing)?", r"care experienced",
]
_TOPIC = re.compile("|".join(_TERMS), re.IGNORECASE)


def about_childrens_services(title: str, body: str, *, min_hits: int = 2) -> bool:
    """True when the title names a topic term, or the body names them ``min_hits`` times."""
    text = title.replace("\u2019", "'")
    if _TOPIC.search(text):
        return True
    return len(_TOPIC.findall(body.replace("\u2019", "'"))) >= min_hits
