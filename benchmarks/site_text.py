"""The wording of the synthetic site's articles (benchmarks/synthetic_site.py): word lists,
stock sentences, and sentences composed from parts and free words."""

from __future__ import annotations

import random

LAS = ["Croydon", "Birmingham", "Kent", "Northamptonshire", "Slough", "Lambeth", "Leeds",
       "Manchester", "Norfolk", "Devon", "Essex", "Hampshire", "Sandwell", "Bradford", "Hackney",
       "Sheffield", "Liverpool", "Wirral", "Cumbria", "Surrey"]
TOPICS = ["children's services", "children's social care", "fostering", "adoption", "care leavers",
          "safeguarding", "the front door", "early help", "family hubs", "SEND provision",
          "youth justice", "children's homes", "agency social workers", "child protection"]
PEOPLE = ["the director of children's services", "the lead member for children", "inspectors",
          "the chief social worker", "the children's commissioner", "a council spokesperson",
          "union representatives", "the improvement board chair", "frontline practitioners"]
SENTENCES = [
    "{la} Council said its {topic} had improved since the last inspection, but {person} warned that progress was fragile.",
    "Ofsted found that leaders in {la} had a clear understanding of the strengths and weaknesses of {topic}.",
    "The number of children in care in {la} rose by {n} per cent over the past year, according to figures published on {day}.",
    "{person} told the meeting that caseloads had fallen to an average of {small} children per social worker.",
    "A report to the cabinet said spending on {topic} was forecast to exceed its budget by £{money}m.",
    "Inspectors praised the quality of direct work with families, noting that children's voices were heard in plans.",
    "However, the report said that management oversight was inconsistent and that some assessments lacked analysis.",
    "The council has recruited {small} new practitioners through its graduate programme and a partnership with local universities.",
    "{person} said the authority would publish an improvement plan within {small} weeks.",
    "The Department for Education said it would continue to monitor progress in {la} closely.",
    "Campaigners said the changes to {topic} risked leaving vulnerable families without support.",
    "The number of agency social workers in {la} has halved since {year}, the council said.",
    "In a statement, {person} said: \"We know there is more to do, and we are determined to get this right for every child.\"",
    "The inspection took place over three weeks in {month} and looked at {topic} across the county.",
    "Councillors were told that demand for {topic} had risen sharply since the pandemic.",
    "{la} is one of {small} councils taking part in the government's pilot of new family help teams.",
    "The review highlighted delays in placing children with long-term foster carers.",
    "Managers said that a new case management system would be introduced by the end of the year.",
    "Staff turnover has fallen from {n} per cent to {small} per cent over eighteen months.",
    "The local safeguarding partnership will publish its annual report in the autumn.",
]

# Sentences are composed from parts, so that two articles about different events share about
# as much wording as real coverage of one council does: a few stock phrases, not whole
# sentences. Unrelated seed articles (shared/seeds) score 0.006-0.055 Jaccard on 3-word
# shingles; composed articles score about 0.04 (SENTENCES alone gave 0.36, which made every
# article related to every other and a near-duplicate candidate of hundreds).
SUBJECTS = ["{la} Council", "The council's cabinet", "{person}", "Inspectors", "{name}, {role},",
            "A report to the scrutiny committee", "Figures released by the council",
            "The improvement board", "Local MPs", "Foster carers in {la}", "A serious case review",
            "Parents who spoke to this publication", "The latest monitoring visit", "Senior leaders",
            "Social workers at the {place} office", "The children's rights service",
            "An independent review commissioned by {la}", "The regional adoption agency",
            "Youth workers in {place}", "Opposition councillors", "The safeguarding partnership"]
PREDICATES = ["said {topic} had {trend} since {year}", "warned that {topic} faced {pressure}",
              "welcomed the {count} new {staff} recruited in {month}",
              "found that {count} of the {big} cases sampled lacked {gap}",
              "called for {topic} to be {action}", "described {topic} as {adjective}",
              "approved a budget of £{money}m for {topic}", "reported {pressure} in {topic}",
              "agreed to {action2} {topic} by {month} {year2}",
              "questioned why {topic} had not been {action}", "praised {staff} for {praise}",
              "noted that {gap} remained a concern in {topic}",
              "set a target of {count} {staff} by {year2}", "linked {pressure} to {cause}",
              "compared {topic} in {la} with {neighbour}", "asked for {count} further {staff}",
              "said {count} children were waiting for {service}", "blamed {cause} for delays in {service}"]
DETAILS = ["", "", "", " after a review of {big} case files", " according to figures published on {day}",
           " at a meeting on {day}", " in its annual report", " despite {pressure}",
           " while {cause} continued", " for the {ordinal} year running", " ahead of a visit in {month}",
           " in a letter to {name}", " following complaints from {count} families",
           " across {count} wards", " as part of a {money}m programme"]
TRENDS = ["improved", "deteriorated", "stabilised", "been transformed", "slipped", "recovered slowly"]
PRESSURES = ["rising demand", "a shortage of foster carers", "high agency spend", "staff vacancies",
             "court delays", "an overspend of £{money}m", "a backlog of assessments",
             "placement sufficiency problems", "cuts to early help", "a spike in referrals"]
STAFF = ["social workers", "team managers", "foster carers", "personal advisers",
         "independent reviewing officers", "family support workers", "practice leads", "apprentices"]
GAPS = ["management oversight", "a clear plan", "evidence of the child's voice", "timely visits",
        "multi-agency checks", "supervision records", "analysis of risk", "a return interview"]
ACTIONS = ["reviewed", "brought back in house", "funded properly", "reorganised", "commissioned again",
           "published", "extended to older children", "protected from cuts"]
ACTIONS2 = ["review", "restructure", "expand", "recommission", "pilot", "audit", "merge", "refocus"]
ADJECTIVES = ["fragile", "much improved", "unsustainable", "a national example", "patchy",
              "under severe strain", "on the right track", "inadequate in places"]
PRAISES = ["their persistence", "building relationships with children", "clear recording",
           "working through the pandemic", "creative direct work", "reducing caseloads"]
CAUSES = ["the cost of living", "the pandemic", "national workforce shortages", "court backlogs",
          "the loss of grant funding", "a rise in unaccompanied children", "a failed IT system"]
SERVICES = ["a permanent placement", "an assessment", "a mental health appointment",
            "an EHC plan", "a care leaver flat", "a family group conference", "therapy"]
NEIGHBOURS = ["its statistical neighbours", "the England average", "the regional average",
              "similar councils", "the best-performing authorities"]
PLACES = ["Northgate", "Riverside", "Eastfield", "Hillcrest", "Westbrook", "Southmoor", "Kingsway",
          "Oakwood", "Marston", "Ashby", "Fairview", "Brookside", "Highbury", "Lowfield"]
FIRST = ["Sarah", "David", "Amira", "John", "Priya", "Michael", "Helen", "Tom", "Grace", "Imran",
         "Rachel", "Steve", "Nadia", "Paul", "Claire", "Ben", "Fiona", "Kwame", "Laura", "Mark"]
LAST = ["Patel", "Smith", "Okafor", "Jones", "Hughes", "Khan", "Walker", "Evans", "Brown", "Shah",
        "Taylor", "Wilson", "Begum", "Clarke", "Murphy", "Green", "Ahmed", "Wright", "Hall", "Lewis"]
ROLES = ["the cabinet member for children", "the interim director", "a Unison steward",
         "the designated safeguarding lead", "the chair of the fostering panel", "a senior practitioner"]
ORDINALS = ["second", "third", "fourth", "fifth"]


def fill(template: str, rng: random.Random, la: str) -> str:
    c = rng.choice
    return template.format(
        la=la, topic=c(TOPICS), person=c(PEOPLE), n=rng.randint(3, 40), count=rng.randint(2, 60),
        small=rng.randint(2, 30), big=rng.randint(40, 400), money=f"{rng.uniform(0.5, 30):.1f}",
        year=rng.randint(2015, 2024), year2=rng.randint(2026, 2029), trend=c(TRENDS),
        day=f"{rng.randint(1, 28)} {c(['March', 'June', 'September', 'November'])}",
        month=c(["January", "April", "July", "October"]), pressure=c(PRESSURES).replace(
            "{money}", f"{rng.uniform(0.5, 30):.1f}"), staff=c(STAFF), gap=c(GAPS), action=c(ACTIONS),
        action2=c(ACTIONS2), adjective=c(ADJECTIVES), praise=c(PRAISES), cause=c(CAUSES),
        service=c(SERVICES), neighbour=c(NEIGHBOURS), place=c(PLACES), name=f"{c(FIRST)} {c(LAST)}",
        role=c(ROLES), ordinal=c(ORDINALS))


COMMON = ("the of and to a in that is was for on it with as be by at this have from or had not but "
          "are which an they were been has their more would who will its also about after there when "
          "could than into other only over such some what most many new these two those first over "
          "very any may even because much where while just still between both each under last since "
          "against during without before three years time people work year week month plan review "
          "support families children young staff team service services council report case cases "
          "practice care social help home school health local national government money budget number "
          "change changes risk needs need worker workers meeting change manager managers court order").split()
#: the words of free sentences, most frequent first (drawn with Zipf-like weights, as real text's are)
VOCABULARY = list(dict.fromkeys(COMMON + [w.strip(",.'\"()").lower() for part in (
    SUBJECTS, PREDICATES, DETAILS, TRENDS, PRESSURES, STAFF, GAPS, ACTIONS, ADJECTIVES, PRAISES, CAUSES,
    SERVICES, NEIGHBOURS, PLACES, FIRST, LAST, ROLES, TOPICS, PEOPLE) for phrase in part
    for w in phrase.split() if "{" not in w]))
_WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def sentence(rng: random.Random, la: str) -> str:
    """One sentence: now and then a stock one (SENTENCES), else composed from parts (SUBJECTS,
    PREDICATES, DETAILS) or, most often, free words (VOCABULARY) around a composed clause."""
    roll = rng.random()
    if roll < 0.05:
        return fill(rng.choice(SENTENCES), rng, la)
    if roll < 0.55:
        text = fill(f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}{rng.choice(DETAILS)}", rng, la)
        if roll > 0.3:
            text = " ".join(rng.choices(VOCABULARY, _WEIGHTS, k=rng.randint(6, 12))) + ", " + text[0].lower() + text[1:]
    else:
        text = " ".join(rng.choices(VOCABULARY, _WEIGHTS, k=rng.randint(10, 24)))
    return text[0].upper() + text[1:] + "."


def stock_sentence(rng: random.Random, la: str) -> str:
    return fill(rng.choice(SENTENCES), rng, la)


def paragraphs(rng: random.Random, la: str, text: str = "varied") -> list[str]:
    """An article's paragraphs. ``text="stock"``: every sentence one of the 20 SENTENCES (the
    site's text until December 2026): unrelated articles then score 0.36 on 3-word shingles, more
    than coverage of one event does, so every article is a near-duplicate candidate of hundreds
    and related to most of its LA's. A stress case for storage, not a site anyone crawls."""
    if text == "stock":
        return [" ".join(stock_sentence(rng, la) for _ in range(rng.randint(3, 6)))
                for _ in range(rng.randint(9, 14))]
    return [" ".join(sentence(rng, la) for _ in range(rng.randint(3, 6)))
            for _ in range(rng.randint(7, 11))]
