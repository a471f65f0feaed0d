"""Tests for storage.gazetteer: the 153-LA table, lookup, mention matching and tagging."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

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
    return g.tag_las(title, body)


def mentioned(text: str) -> list[str]:
    return [m.la.name for m in g.la_mentions(text)]


# --------------------------------------------------------------------------- the table


def test_exactly_153_las_with_unique_keys() -> None:
    las = g.all_las()
    assert len(las) == 153
    assert len({la.ons_code for la in las}) == 153
    assert len({la.name for la in las}) == 153
    urns = [la.urn for la in las if la.urn]
    assert len(urns) == len(set(urns))
    for la in las:
        assert re.fullmatch(r"E0[689]\d{6}|E10\d{6}", la.ons_code), la
        assert la.urn is None or la.urn.isdigit(), la
        assert la.official_name and la.region
        assert isinstance(la.variants, tuple)


def test_las_by_tier_and_region() -> None:
    prefixes = [la.ons_code[:3] for la in g.all_las()]
    assert prefixes.count("E09") == 33  # London boroughs + City of London
    assert prefixes.count("E08") == 36  # metropolitan districts
    assert prefixes.count("E10") == 21  # county councils, 2024/25
    assert prefixes.count("E06") == 63  # unitary authorities incl. Isles of Scilly
    assert g.regions() == sorted(
        [
            "East Midlands",
            "East of England",
            "London",
            "North East",
            "North West",
            "South East",
            "South West",
            "West Midlands",
            "Yorkshire and The Humber",
        ]
    )
    assert len(g.las_in_region("London")) == 33
    assert len(g.las_in_region("north east")) == 12
    assert g.las_in_region("Wales") == []
    assert sum(len(g.las_in_region(r)) for r in g.regions()) == 153


@pytest.mark.parametrize(
    ("urn", "name"),
    [
        ("80492", "Croydon"),
        ("80429", "Birmingham"),
        ("80569", "Tameside"),
        ("2532283", "Dorset"),
        ("2532287", "Bournemouth, Christchurch and Poole"),
        ("2637539", "North Northamptonshire"),
        ("2637548", "West Northamptonshire"),
        ("2733698", "Westmorland and Furness"),
    ],
)
def test_urns_from_sources_md(urn: str, name: str) -> None:
    assert g.by_urn(urn).name == name
    assert g.by_urn(int(urn)).name == name


def test_reorganisations_reflected() -> None:
    names = {la.name for la in g.all_las()}
    for present in (
        "Dorset",
        "Bournemouth, Christchurch and Poole",
        "North Northamptonshire",
        "West Northamptonshire",
        "Cumberland",
        "Westmorland and Furness",
        "North Yorkshire",
        "Somerset",
        "Buckinghamshire",
        "Isles of Scilly",
        "City of London",
    ):
        assert present in names
    for gone in ("Cumbria", "Northamptonshire", "Bournemouth", "Poole"):
        assert gone not in names
    assert g.by_code("E06000063").name == "Cumberland"
    assert g.by_code("e09000008").name == "Croydon"
    assert g.by_code(CROYDON).official_name == "London Borough of Croydon"
    assert g.by_code(CROYDON).region == "London"


def test_all_las_is_cached() -> None:
    assert g.all_las() is g.all_las()


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Croydon", CROYDON),
        ("croydon council", CROYDON),
        ("London Borough of Croydon", CROYDON),
        ("Croydon's", CROYDON),
        ("Croydon’s children’s services", CROYDON),
        ("E09000008", CROYDON),
        ("80492", CROYDON),
        ("Kent County Council", KENT),
        ("Bristol, City of", "E06000023"),
        ("City of Bristol", "E06000023"),
        ("Herefordshire, County of", "E06000019"),
        ("Kingston upon Hull, City of", "E06000010"),
        ("Hull", "E06000010"),
        ("City of York", "E06000014"),
        ("St. Helens", "E08000013"),
        ("st helens council", "E08000013"),
        ("Stoke on Trent", "E06000021"),
        ("Southend-on-Sea", "E06000033"),
        ("Redcar & Cleveland", "E06000003"),
        ("Bath & North East Somerset", "E06000022"),
        ("The Royal Borough of Greenwich", "E09000011"),
        ("Durham", "E06000047"),
        ("County Durham", "E06000047"),
        ("BCP Council", "E06000058"),
    ],
)
def test_lookup(query: str, code: str) -> None:
    assert g.lookup(query).ons_code == code


def test_lookup_unknown_names_the_input_and_suggests() -> None:
    with pytest.raises(g.UnknownLA) as exc:
        g.lookup("Croydn")
    assert isinstance(exc.value, LookupError)
    assert "Croydn" in str(exc.value)
    assert "Croydon" in str(exc.value)
    assert exc.value.name == "Croydn"
    with pytest.raises(LookupError, match="Cumbria"):
        g.lookup("Cumbria")  # abolished 2023
    with pytest.raises(g.UnknownLA, match="E10000006"):
        g.by_code("E10000006")
    with pytest.raises(g.UnknownLA, match="'1'"):
        g.by_urn("1")


# --------------------------------------------------------------------------- seeds


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
    g.la_mentions(text)
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
        "Cumbria County Council",  # abolished
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
    ms = g.la_mentions(body, title=title)
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
    m = g._matcher()
    assert m.first_words is not None  # the fast path is in use
    for text in _candidate_texts():
        want = [(mo.span(), mo.groupdict()) for mo in m.regex.finditer(text)]
        assert [(mo.span(), mo.groupdict()) for mo in g._starts(text, m)] == want
