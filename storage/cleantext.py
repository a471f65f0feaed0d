"""One line of untrusted text with no invisible characters (issue 11, RELIABILITY.md E5).

Scraped titles can carry bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069:
"Trojan Source" text that displays differently from what it says), zero-width and other format
characters (Unicode category Cf: U+200B–U+200F, U+FEFF, soft hyphens …) and control characters
(Cc, CR/LF included). ``one_line`` removes every one of them and collapses whitespace, so they
never reach a stored title nor an email header: the crawl cleans titles where items are created,
and ``scheduler.messages`` cleans every header with the same function.
"""

from __future__ import annotations

import re

import regex

_SPACE_LIKE = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"

#: every format, control, surrogate and private-use character (Unicode categories Cf, Cc, Cs,
#: Co) except the ones that are whitespace, which ``one_line`` turns into spaces
_INVISIBLE = regex.compile(f"[[\\p{{Cf}}\\p{{Cc}}\\p{{Cs}}\\p{{Co}}]--[{re.escape(_SPACE_LIKE)}]]+", regex.V1)
_SPACES = re.compile(f"[{re.escape(_SPACE_LIKE)}]")


def strip_invisible(text: str) -> str:
    """``text`` without format, control, surrogate or private-use characters (line breaks kept)."""
    return _INVISIBLE.sub("", text)


def one_line(text: str | None) -> str:
    """``text`` as one line: invisible characters removed, line breaks and runs of spaces one space."""
    if not text:
        return ""
    return " ".join(strip_invisible(_SPACES.sub(" ", text)).split())
