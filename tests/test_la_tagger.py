"""crawler.extraction.la_tagger: which LAs an article is about (mentions over the gazetteer)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crawler.extraction import la_tagger as t
from storage import gazetteer as g

CROYDON = "E09000008"
KENT = "E10000016"
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))

# Where each seed's site boilerplate (newsletter box, job adverts, subscription offers,
# "latest articles" sidebar) starts.  Cutting there stands in for the upstream extractor,
# which is what callers of tag_las() are expected to have run.
BOILERPLATE_MARKERS = ("\nSIGN UP\n", "\nCYP Now Digital membership", "\nShare this article:")


def _title_and_body(text: str) -> tuple[str, str]:
    title, _, body = text.strip().partition("\n")
    return title, body


def _article_body(text: str) -> str:
    cut = min((i for m in BOILERPLATE_MARKERS if (i := text.find(m)) != -1), default=len(text))
    return text[:cut]


def codes(title: str = "", body: str = "") -> list[str]:
    return t.tag_las(title, body)


def mentioned(text: str) -> list[str]:
    return [m.la.name for m in t.la_mentions(text)]


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_tagged_croydon_only(path: Path) -> None:
    title, body = _title_and_body(_article_body(path.read_text(encoding="utf-8")))
    assert codes(title, body) == [CROYDON]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_with_boilerplate_still_led_by_croydon(path: Path) -> None:
    # Without extraction, the LAs in 001's job adverts (Essex, West Northamptonshire, ...)
    # are tagged too: filtering boilerplate is the extractor's job, not the gazetteer's.
    # Croydon still comes first, and the BASW sidebar's "Sue Kent" in 004 is not Kent.
    title, body = _title_and_body(path.read_text(encoding="utf-8"))
    tags = codes(title, body)
    assert tags[0] == CROYDON
    assert KENT not in tags


def test_there_are_five_seeds() -> None:
    assert len(SEED_FILES) == 5


def test_tagging_is_fast() -> None:
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in SEED_FILES) * 20  # ~450 KB
    t0 = time.perf_counter()
    t.la_mentions(text)
    assert time.perf_counter() - t0 < 2.0


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Croydon's children's services", "Croydon"),
        ("Croydon’s children’s services", "Croydon"),
        ("the London Borough of Croydon said", "Croydon"),
        ("Croydon Council said", "Croydon"),
        ("Lewisham London Borough Council", "Lewisham"),
        ("Tameside Metropolitan Borough Council", "Tameside"),
        ("Kent County Council", "Kent"),
        ("Leicester City Council's budget", "Leicester"),
        ("the Royal Borough of Kensington and Chelsea", "Kensington and Chelsea"),
        ("City of York Council", "York"),
        ("Bristol, City of", "Bristol"),
        ("Kingston upon Hull", "Kingston upon Hull"),
        ("children in Hull", "Kingston upon Hull"),
        ("Kingston upon Thames", "Kingston upon Thames"),
        ("Bath and North East Somerset Council", "Bath and North East Somerset"),
        ("Herefordshire, County of", "Herefordshire"),
        ("St Helens", "St Helens"),
        ("St. Helens Council", "St Helens"),
        ("Stoke-on-Trent", "Stoke-on-Trent"),
        ("Stoke on Trent City Council", "Stoke-on-Trent"),
        ("Southend-on-Sea", "Southend-on-Sea"),
        ("Redcar and Cleveland", "Redcar and Cleveland"),
        ("Redcar & Cleveland", "Redcar and Cleveland"),
        ("County Durham", "County Durham"),
        ("Durham County Council", "County Durham"),
        ("in Durham", "County Durham"),
        ("Central Bedfordshire Council", "Central Bedfordshire"),
        ("Bedford Borough Council", "Bedford"),
        ("North Lincolnshire", "North Lincolnshire"),
        ("North East Lincolnshire", "North East Lincolnshire"),
        ("families in Reading say", "Reading"),
        ("Croydon-based charity", "Croydon"),
        ("Croydon Town Hall", "Croydon"),
        ("in East Kent", "Kent"),
        ("in Sunderland", "Sunderland"),
        ("in Northumberland", "Northumberland"),
        ("Cornwall Council", "Cornwall"),
    ],
)
def test_mentions_found(text: str, name: str) -> None:
    assert mentioned(text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "a flat in Kentish Town",
        "Bedfordshire Police",  # ceremonial county: Bedford + Central Bedfordshire + Luton
        "reading materials",
        "Reading the report, inspectors found",
        "Durham University",
        "the Duchess of Cornwall",
        "Northumberland Park",
        "Sunderland AFC",
        "Greater Manchester",
        "Leicester City won",
        "Kent Police",
        "Old Kent Road",
        "New York",
        "BASW professional officer Sue Kent said",
        "Mr Kent said",
        "Bury St Edmunds",
        "Sutton Coldfield",
        "Newcastle-under-Lyme",
        "Croydon North MP",
        "City of London Police",
        "Brent Cross",
        "CROYDON",  # all-caps is not matched
        "Walking in Cumbria this summer",  # a county, not (any more) an LA
        "Northamptonshire Police said",
    ],
)
def test_not_mentions(text: str) -> None:
    assert mentioned(text) == []


def test_westminster_needs_qualifying() -> None:
    politics = (
        "MPs in Westminster voted on the bill.\n\n"
        "Westminster has been slow to act.\n\n"
        "Critics in Westminster said more funding was needed."
    )
    assert codes("Westminster row over funding", politics) == []
    for text in (
        "Westminster City Council",
        "City of Westminster",
        "Westminster council",
        "Westminster's children's services",
    ):
        assert codes("", text) == ["E09000033"], text


def test_la_mentions_fields_and_order() -> None:
    title = "Kent and Croydon in the news"
    body = "Croydon Council said.\n\nMore.\n\nMore.\n\nLater, Croydon's plan and Surrey."
    ms = t.la_mentions(body, title=title)
    assert [m.la.name for m in ms] == ["Kent", "Croydon", "Surrey"]
    kent, croydon, surrey = ms
    assert (kent.count, kent.first_offset, kent.title_count, kent.in_title) == (0, None, 1, True)
    assert (croydon.count, croydon.first_offset, croydon.in_lead) == (2, 0, True)
    assert surrey.count == 1 and not surrey.in_lead and not surrey.in_title


# --------------------------------------------------------------------------- tagging rule

LATE = "\n\n".join(
    f"Paragraph {i} about children's social care in Croydon and its improvement plan."
    for i in range(1, 8)
)


def test_single_late_passing_mention_not_tagged() -> None:
    body = LATE + "\n\nA similar scheme has been tried in Kent."
    assert codes("Croydon improvement plan", body) == [CROYDON]


def test_two_late_mentions_tagged() -> None:
    body = LATE + "\n\nA scheme in Kent.\n\nKent County Council said it worked."
    assert codes("", body) == [CROYDON, KENT]


def test_single_mention_in_lead_tagged() -> None:
    body = "Kent and Croydon share a plan.\n\n" + LATE
    assert codes("", body) == [KENT, CROYDON]


def test_title_mention_always_tagged() -> None:
    assert codes("Kent children's services rated good", "Nothing else here.") == [KENT]


def test_lead_without_blank_lines_is_capped() -> None:
    # One huge paragraph: the lead is capped, so a late single mention still doesn't count.
    body = "Croydon said. " + "Words about care. " * 200 + "Kent was mentioned once."
    assert codes("", body) == [CROYDON]


# --------------------------------------------------------------------------- candidate words


def _candidate_texts() -> list[str]:
    names = sorted({n for la in g.all_las() for n in (la.name, la.official_name, *la.variants)})
    contexts = ["{n}", "x{n}", "&{n}", "_{n}", "1{n}", "({n})", "{n}'s", "{n}\u2019s", "{n}-based",
                "the {n} council", "London Borough of {n}", "Royal Borough of {n} Council",
                "City of {n}", "{n}{n}", "{n} {n}", "B&{n}", "St. {n}", "Saint {n}"]
    texts = [" ".join(c.format(n=n) for c in contexts) for n in names]
    texts += [p.read_text(encoding="utf-8") for p in SEED_FILES]
    texts.append("\n".join(texts))
    return texts


def test_candidate_words_find_what_the_regex_finds() -> None:
    """la_mentions tries the regex only at words a name can start with: same matches."""
    m = t._matcher()
    assert m.first_words is not None  # the fast path is in use
    for text in _candidate_texts():
        want = [(mo.span(), mo.groupdict()) for mo in m.regex.finditer(text)]
        assert [(mo.span(), mo.groupdict()) for mo in t._starts(text, m)] == want


@pytest.mark.parametrize(("title", "body", "code"), [
    ("Ofsted: Northamptonshire children's services inadequate again", "", "E10000021"),
    ("", "Northamptonshire County Council has failed children.\n\nMore follows.", "E10000021"),
    ("Cumbria County Council's children's services improving", "", "E10000006"),
    ("", "Bournemouth Borough Council children's services were judged good.", "E06000028"),
])
def test_predecessor_named_as_a_council_is_tagged(title: str, body: str, code: str) -> None:
    assert codes(title, body) == [code]


def test_bournemouth_alone_is_bcp() -> None:
    assert codes("Bournemouth children's services praised", "") == ["E06000058"]
