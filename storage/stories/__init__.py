"""Stories: the articles about one event, grouped, and linked to the Ofsted report they follow.

Two original articles (not near-copies) are about the same event when

* they concern a common LA (``article_las``),
* they were published within ``StorySettings.window`` (3 days) of each other
  (``published_at``, else ``first_seen_at``), and
* they are similar enough: Jaccard of their 3-word shingles >= ``min_jaccard`` (0.08), or,
  for articles from different sources, a shared run of >= ``quote_words`` (25) consecutive
  words (a quotation from the council or the report).

On the seeds (SOURCES.md 6) the three 4 September 2017 articles score 0.12-0.19 and share
runs of 111-149 words; they score 0.006-0.055 against the 2019 articles (which are outside
the window anyway). Near-duplicates score >= 0.6 with 4-word shingles (storage.neardup).
The "different sources" condition keeps a publisher's own repeated footer from chaining its
articles together.

A story is created when an article relates to at least one other, or when it follows an
Ofsted report on its own: a report on a common LA published on or before the article, at
most ``report_window`` (14 days) earlier, and the article mentions Ofsted or an inspection.
A story gets the report when it has none. Near-copies share their original's story.
Stories of different LAs never merge: an article tagged with two LAs joins one story, and
only stories of that story's LA are merged into it.

``storage.repository.store_article`` plans a new article's story before inserting it
(:func:`plan_story`, in its transaction); :func:`link_report` runs after storing a new report
(coverage crawled before its report then gets the link).

Modules: ``settings`` (what is compared), ``text`` (shingles of a text and whether two are
related), ``candidates`` (reading: the related articles and the report an article follows, and
the decision), ``grouping`` (writing: planning, applying, linking reports), ``outlets`` (the
sources of a story or article; stories are listed by storage.archive).
"""

from __future__ import annotations

from storage.stories.grouping import NewArticle, StoryPlan, link_report, plan_story
from storage.stories.outlets import outlets_by_article, outlets_by_story
from storage.stories.settings import DEFAULT_STORY_SETTINGS, StorySettings

__all__ = [
    "DEFAULT_STORY_SETTINGS", "NewArticle", "StoryPlan", "StorySettings", "link_report",
    "outlets_by_article", "outlets_by_story", "plan_story",
]
