"""Imported only by the extraction pool's forkserver, at its start (``set_forkserver_preload``):
the forkserver dies with the crawl process.

A forkserver otherwise outlives its parent as long as any child it forked is alive (each child
holds the forkserver's "alive" pipe), and the children die with their parent, the forkserver
(crawler.pipelines.pool.helper_started): without this, a worker busy on a slow page and its
forkserver would keep each other alive after the crawl is killed.
"""

from __future__ import annotations

from crawler.pipelines.pool import die_with_parent

die_with_parent()
