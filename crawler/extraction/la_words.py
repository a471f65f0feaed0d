"""Word lists of the LA mention tagger (crawler.extraction.la_tagger): the words around a
bare name that make it something other than a local authority, or that may stand before it."""

from __future__ import annotations

import re

__all__ = ["DETERMINER_AFTER", "HARMLESS_BEFORE", "NOT_LA_AFTER", "NOT_LA_BEFORE", "SENTENCE_START"]

# Words that, directly after an unqualified name, make it something other than the LA.
NOT_LA_AFTER = re.compile(
    r"""(?:[\s\-]+(?:
        Police|Constabulary|Fire|University|College|Airport|Cathedral|Crown|Magistrates|
        Hospitals?|NHS|CCG|Clinical|Prison|Station|Racecourse|
        Road|Street|Avenue|Lane|Park|Square|Place|Gardens|Crescent|Way|Bridge|Abbey|Cross|
        Palace|Castle|Arena|Stadium|Minster|
        Central|North|South|East|West|
        United|Wanderers|Rovers|Athletic|Albion|Hotspur|Villa|Forest|Wednesday|Argyle|Dons|
        Tigers|Rhinos|Sharks|FC|AFC|RFC|CCC|
        Town(?!\s+Hall)|City(?!\s+(?:[Cc]ouncil|[Hh]all))|County(?!\s+(?:[Cc]ouncil|[Hh]all))|
        St\.?\s+Edmunds|Coldfield|under[\s\-]+Lyme|in[\s\-]+Ashfield
      )(?!\w)
    |,\s*(?:North\s+Yorks|Jamaica|Ontario|Virginia|Tasmania|New\s+South\s+Wales|Australia|
        Canada|USA|Massachusetts|Pennsylvania)
    )""",
    re.VERBOSE,
)

# Words that, directly before an unqualified name, make it something other than the LA.
NOT_LA_BEFORE = re.compile(
    r"""(?:
        (?:Duke|Duchess|Duchy|Earl|Countess|Marquess|Bishop|Archbishop|Diocese|Dean|
           University|Universities|Archdeacon|Baron|Baroness|Viscount|Prince|Princess|
           Battle|Siege|Treaty|Port|Statute|Peace)\s+of\s+
      | (?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Lord|Lady|Prof|Professor|Rev|Cllr|Councillor)\.?\s+
      | (?:Greater|New|Old|Little|Upper|Lower|Fort)\s+
    )$""",
    re.VERBOSE,
)

# Capitalised words that may directly precede a bare name without making it a surname.
HARMLESS_BEFORE = frozenset(
    """
    The A An In At On Of For From To By With And But Or Nor Across Around Throughout Within
    Outside Inside Near Both Including Unlike Like As While Whereas When Where Why How What
    Which Who Whose Since After Before During Under Over About Against Between Beyond Into
    Onto Only Also Even Neighbouring Neighboring Nearby Rural Urban Coastal Inner Outer
    East West North South Mid Central Labour Conservative Conservatives Tory Tories Lib Dem
    Dems Liberal Democrat Democrats Green Greens Reform Independent Ofsted Council Borough
    County City London Metropolitan Said Says Here There This That These Those If Unless
    Although Though Because So Yet Then Now Today Yesterday Meanwhile However Despite
    Elsewhere Rest Not All Every Each Many Most Some Several Other Others Whole Entire
    Children Children's Childrens Inadequate Good Outstanding Requires Improvement Both
    Cllr Councillor Leader Mayor Via Per Than Versus Vs Post Pre Non Anti Pro Ex
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December
    """.split()
)

DETERMINER_AFTER = re.compile(
    r"\s+(?:the|a|an|this|that|these|those|through|about|between|of|his|her|their|our|my|"
    r"your|it|them|up|over|on|in|to|into|out|down|back|away|off)\b"
)

SENTENCE_START = re.compile(r"[\n.!?:;\"\u201c\u2018'(\[\u2022\-\u2013\u2014*][ \t]*$")
