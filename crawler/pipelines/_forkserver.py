"""Imported only by the extraction pool's forkserver, at its start (``set_forkserver_preload``):
the forkserver dies with the crawl process, and builds once what every worker would otherwise
build on its first page.

A forkserver otherwise outlives its parent as long as any child it forked is alive (each child
holds the forkserver's "alive" pipe), and the children die with their parent, the forkserver
(crawler.pipelines.pool.helper_started): without this, a worker busy on a slow page and its
forkserver would keep each other alive after the crawl is killed.

The LA matcher (one large regex over the gazetteer, ~0.15 CPU s to build) and the MinHash
permutations are built lazily, on first use: built here, they are inherited by every worker the
forkserver forks, including those that replace a worker after CAREWATCH_EXTRACT_MAX_TASKS pages.
"""

from __future__ import annotations

from crawler.extraction.la_tagger import tag_las
from crawler.pipelines.pool import die_with_parent
from storage.minhash import signature

die_with_parent()
tag_las("Croydon Council", "Croydon Council said")
signature("Croydon Council said")
