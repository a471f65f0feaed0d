"""storage.gazetteer: the 153 LAs, lookups by name/code/URN, and predecessors across
reorganisations (Northamptonshire 2021, Cumbria 2023, Bournemouth and Poole 2019)."""

from __future__ import annotations

import re

import pytest

from storage import gazetteer as g

CROYDON = "E09000008"
KENT = "E10000016"


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
    with pytest.raises(g.UnknownLA, match="E10000099"):
        g.by_code("E10000099")
    with pytest.raises(g.UnknownLA, match="'1'"):
        g.by_urn("1")


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize(("name", "code", "successors", "abolished"), [
    ("Northamptonshire County Council", "E10000021", ("E06000061", "E06000062"), "2021-04-01"),
    ("Northamptonshire", "E10000021", ("E06000061", "E06000062"), "2021-04-01"),
    ("Cumbria", "E10000006", ("E06000063", "E06000064"), "2023-04-01"),
    ("Bournemouth Borough Council", "E06000028", ("E06000058",), "2019-04-01"),
    ("Borough of Poole", "E06000029", ("E06000058",), "2019-04-01"),
])
def test_predecessors_are_known_with_their_successors(
    name: str, code: str, successors: tuple[str, ...], abolished: str
) -> None:
    la = g.lookup(name)
    assert (la.ons_code, la.successors, str(la.abolished)) == (code, successors, abolished)
    assert not la.current and g.by_code(code) is la
    assert la not in g.all_las()  # today's 153 only
    for successor in successors:
        assert code in g.related_codes(successor)
        assert code in g.predecessors_of(successor)  # the dashboard's LA page runs back to it
    assert g.related_codes(code) == successors
    assert g.predecessors_of(code) == ()  # its successors are not its history


def test_bare_town_names_stay_with_todays_la() -> None:
    assert g.lookup("Bournemouth").ons_code == "E06000058"  # BCP today
    assert g.lookup("Poole").ons_code == "E06000058"
    assert g.lookup("BCP Council").ons_code == "E06000058"
    assert g.related_codes(CROYDON) == ()
    assert g.codes_with_related(["E06000062"]) == {"E06000062", "E10000021"}
