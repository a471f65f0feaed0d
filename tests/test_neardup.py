"""Near-duplicates: MinHash + LSH bands in SQL, syndicated copies, revisions, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from storage import minhash, neardup
from storage.db import create_schema, make_engine, session_scope
from storage.dedup import normalise_text
from storage.models import Article, LshBand, Revision
from storage.repository import ArticleInput, Outcome, StoreResult, store_article

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CROYDON = "E09000008"
SUTTON = "E09000029"

#: where each seed's site furniture starts (the extractor drops it; we do the same here)
_FURNITURE = ("SIGN UP", "CYP Now Digital membership", "Share this article:", "2017-09-04T08:47")

#: (source, url, title, published) of each seed (SOURCES.md 6)
SEED_META: dict[str, tuple[str, str, str, datetime]] = {
    "000": ("croydon", "https://news.croydon.gov.uk/croydon-council-statement-in-response-to-ofsted-report/",
            "Croydon Council statement in response to Ofsted report", datetime(2017, 9, 4, 7, 47, tzinfo=UTC)),
    "001": ("localgov", "https://www.localgov.co.uk/Watchdog-finds-widespread-and-serious-failiures/43701",
            "Watchdog finds 'widespread and serious' failiures in children's services in Croydon",
            datetime(2017, 9, 4, 10, 0, tzinfo=UTC)),
    "002": ("cypnow", "https://www.cypnow.co.uk/news/article/dfe-appoints-commissioner-at-inadequate-council",
            "DfE appoints commissioner at 'inadequate' council", datetime(2017, 9, 4, 12, 30, tzinfo=UTC)),
    "003": ("croydonguardian", "https://www.yourlocalguardian.co.uk/news/18112233.final-ofsted-report/",
            "Final Ofsted report into Croydon's children's services published",
            datetime(2019, 12, 18, 9, 0, tzinfo=UTC)),
    "004": ("locumtoday", "https://www.locumtoday.co.uk/news/improvement-journey-at-croydon",
            "Improvement journey at Croydon accelerates under new leadership",
            datetime(2019, 3, 19, 9, 0, tzinfo=UTC)),
}


def seed_body(n: str) -> str:
    """The seed's article text: title line and site furniture (job ads, subscriptions) dropped."""
    raw = next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8")
    body = raw.split("\n", 1)[1]
    for marker in _FURNITURE:
        body = body.split(marker, 1)[0]
    return body.strip()


def seed_item(n: str, **overrides: Any) -> ArticleInput:
    source, url, title, published = SEED_META[n]
    fields: dict[str, Any] = {"source": source, "canonical_url": url, "title": title, "body": seed_body(n),
                              "published_at": published, "la_codes": [CROYDON]}
    fields.update(overrides)
    return ArticleInput(**fields)


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


def reprint(n: str, source: str, body: str, **overrides: Any) -> ArticleInput:
    """Another outlet's copy of seed ``n`` with ``body``."""
    _, _, title, published = SEED_META[n]
    fields: dict[str, Any] = {"source": source, "canonical_url": f"https://{source}.example/news/{uuid.uuid4().hex[:8]}",
                              "title": title, "body": body, "published_at": published + timedelta(hours=3),
                              "la_codes": [CROYDON]}
    fields.update(overrides)
    return ArticleInput(**fields)


def store(engine: Engine, item: ArticleInput, **kw: Any) -> StoreResult:
    with session_scope(engine) as session:
        return store_article(session, item, **kw)


def article(engine: Engine, article_id: int) -> Article:
    with session_scope(engine) as session:
        a = session.get(Article, article_id)
        assert a is not None
        return a


STATEMENT = seed_body("000")
NEW_LEAD = ("Inside Croydon has been sent the following statement by the council's press office on Monday "
            "morning, hours after the inspection report was published by the watchdog.")
OTHER_BOILERPLATE = ("This story was first published by the Croydon Advertiser. Sign up to our daily newsletter "
                     "for the latest news from Croydon delivered to your inbox every morning. Got a story? Email "
                     "newsdesk@croydonadvertiser.example or call the newsdesk.")


def small_edits(body: str) -> str:
    return (body.replace("Children’s Services", "children's services")
            .replace("Cllr Alisa Flemming", "Councillor Alisa Flemming")
            .replace("as a priority", "as a matter of urgency")
            .replace("three social workers", "3 social workers")
            .replace("Its report can found here.", "Its report can be found on the Ofsted website."))


# --------------------------------------------------------------------------- signatures


def test_signature_is_the_same_in_another_process() -> None:
    code = ("import sys; from storage.minhash import signature, to_bytes; "
            "sys.stdout.write(to_bytes(signature(sys.stdin.read())).hex())")
    out = subprocess.run([sys.executable, "-c", code], input=STATEMENT, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1]).stdout
    assert out == minhash.to_bytes(minhash.signature(STATEMENT)).hex()


def test_signature_is_datasketchs_minhash() -> None:
    """neardup computes the MinHash with numpy; the values are datasketch's (affine32, seed 1)."""
    datasketch = pytest.importorskip("datasketch")
    reference = datasketch.MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme=minhash.SCHEME)
    a, b = minhash._permutations()
    assert a.dtype == reference.permutations.dtype
    assert (reference.permutations[0] == a).all() and (reference.permutations[1] == b).all()
    texts = [seed_body(n) for n in SEED_META] + ["", "one", "two words", "a b c d e", STATEMENT * 20]
    for t in texts:  # STATEMENT * 20: more shingles than one chunk of the matrix
        hashes = minhash.shingle_hashes(minhash.word_ids(t))
        folded = ((hashes >> np.uint64(32)) ^ hashes) & np.uint64(0xFFFFFFFF)
        mh = datasketch.MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme=minhash.SCHEME,
                                permutations=reference.permutations, hashfunc=lambda x: x)
        mh.update_batch(folded.tolist())
        assert (minhash.signature(t) == np.asarray(mh.hashvalues, dtype=np.uint64)).all()


def test_words_are_the_words_of_the_normalised_text() -> None:
    """words() skips normalise_text's quote mapping and space collapsing: never word characters."""
    samples = [STATEMENT, "Croydon\u2019s \u201cchildren\u2019s services\u201d \u2013 \u2018inadequate\u2019\u00a0now",
               "\ufb01ne \u2460 \u00bd \u216b \u0130stanbul stra\u00dfe snake_case e-mail \u00a312m 3.5%"]
    for start in range(0, 0x110000, 0x8000):  # every code point between word characters
        samples.append(" ".join(f"a{chr(c)}b" for c in range(start, start + 0x8000) if not 0xD800 <= c < 0xE000))
    for text_ in samples:
        assert minhash.words(text_) == re.findall(r"\w+", normalise_text(text_))


def test_word_ids_passed_between_processes_are_the_ones_the_writer_would_compute() -> None:
    """The extraction worker sends word ids (ids_to_bytes) that story grouping uses instead of
    splitting the normalised body again; they must be the same ids, in the same order."""
    for n in SEED_META:
        body = seed_body(n)
        sent = minhash.ids_from_bytes(minhash.ids_to_bytes(minhash.word_ids(body)))
        assert sent.dtype == np.uint64
        assert (sent == minhash.normalised_word_ids(normalise_text(body))).all()


def test_new_article_stores_its_signature_and_bands(engine: Engine) -> None:
    result = store(engine, seed_item("000"))
    assert result.outcome is Outcome.NEW
    with session_scope(engine) as session:
        a = session.get(Article, result.article_id)
        assert a is not None and a.minhash is not None
        assert len(a.minhash) == minhash.NUM_PERM * 8
        assert a.duplicate_of_id is None and a.alert_state == "pending"
        bands = session.execute(select(LshBand.band, LshBand.bucket).where(LshBand.article_id == a.id)).all()
    assert sorted(bands) == sorted(minhash.band_hashes(minhash.signature(STATEMENT)))


def test_candidate_lookup_reads_the_band_bucket_index_alone(sqlite_engine: Engine) -> None:
    # SQLite's planner reads the plan off the schema; PostgreSQL's picks by table statistics
    engine = sqlite_engine
    store(engine, seed_item("000"))
    params: dict[str, int] = {"lim": 20}
    for band, bucket in minhash.band_hashes(minhash.signature(STATEMENT)):
        params[f"h{band}"] = bucket
    with engine.connect() as conn:
        sql = neardup.candidates_statement().params(params).compile(conn, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r[3]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    # the index holds the article ids too: no lookup of each matching row in the table
    assert "USING COVERING INDEX ix_lsh_bands_band_bucket" in plan
    assert "SCAN lsh_bands" not in plan


# --------------------------------------------------------------------------- syndicated copies


def test_copy_with_small_edits_is_linked_to_the_original(engine: Engine) -> None:
    original = store(engine, seed_item("000"))
    copy = store(engine, reprint("000", "insidecroydon", small_edits(STATEMENT)))
    assert copy.outcome is Outcome.SYNDICATED
    assert copy.original_id == original.article_id
    a = article(engine, copy.article_id)
    assert a.duplicate_of_id == original.article_id
    assert a.duplicate_similarity is not None and a.duplicate_similarity >= 0.8
    assert a.alert_state == "suppressed"


def test_press_release_with_a_new_first_paragraph_is_a_copy(engine: Engine) -> None:
    original = store(engine, seed_item("000"))
    copy = store(engine, reprint("000", "insidecroydon", NEW_LEAD + "\n\n" + STATEMENT))
    assert copy.outcome is Outcome.SYNDICATED
    assert article(engine, copy.article_id).duplicate_of_id == original.article_id


def test_reordered_paragraphs_are_a_copy(engine: Engine) -> None:
    original = store(engine, seed_item("000"))
    paras = paragraphs(STATEMENT)
    reordered = "\n\n".join(paras[8:] + paras[:8])
    copy = store(engine, reprint("000", "croydonadvertiser", reordered))
    assert copy.outcome is Outcome.SYNDICATED
    assert article(engine, copy.article_id).duplicate_of_id == original.article_id


def test_reprint_with_another_outlets_boilerplate_is_a_copy(engine: Engine) -> None:
    original = store(engine, seed_item("000"))
    paras = paragraphs(STATEMENT)
    # the council's closing links dropped, the reprinting paper's footer added
    body = "\n\n".join([*paras[:-1], OTHER_BOILERPLATE])
    copy = store(engine, reprint("000", "croydonadvertiser", body))
    assert copy.outcome is Outcome.SYNDICATED
    assert article(engine, copy.article_id).duplicate_of_id == original.article_id


def test_copy_of_a_copy_points_at_the_first_seen_original(engine: Engine) -> None:
    original = store(engine, seed_item("000"))
    store(engine, reprint("000", "insidecroydon", NEW_LEAD + "\n\n" + STATEMENT))
    second = store(engine, reprint("000", "croydonadvertiser", NEW_LEAD + "\n\n" + small_edits(STATEMENT)))
    assert second.outcome is Outcome.SYNDICATED
    assert article(engine, second.article_id).duplicate_of_id == original.article_id


def test_articles_sharing_a_quotation_are_not_duplicates(engine: Engine) -> None:
    results = [store(engine, seed_item(n)) for n in ("000", "001", "002")]
    assert [r.outcome for r in results] == [Outcome.NEW] * 3
    with session_scope(engine) as session:
        linked = session.execute(select(func.count()).where(Article.duplicate_of_id.is_not(None))).scalar_one()
    assert linked == 0


def test_unrelated_articles_are_never_linked(engine: Engine) -> None:
    for n in ("000", "003", "004"):
        store(engine, seed_item(n))
    with session_scope(engine) as session:
        for n in ("000", "003", "004"):
            own = session.execute(select(Article.id).where(Article.source == SEED_META[n][0])).scalar_one()
            others = [c.article_id for c in neardup.find_candidates(session, minhash.signature(seed_body(n)))
                      if c.article_id != own]
            assert others == []


def test_same_template_for_another_la_is_not_a_copy(engine: Engine) -> None:
    store(engine, seed_item("000"))
    sutton = STATEMENT.replace("Croydon", "Sutton")
    result = store(engine, reprint("000", "sutton", sutton, la_codes=[SUTTON]))
    assert result.outcome is Outcome.NEW
    assert article(engine, result.article_id).duplicate_of_id is None


def test_switched_off_check_stores_no_signature_and_links_nothing(engine: Engine) -> None:
    store(engine, seed_item("000"))
    result = store(engine, reprint("000", "insidecroydon", small_edits(STATEMENT)), near=neardup.OFF)
    assert result.outcome is Outcome.NEW
    a = article(engine, result.article_id)
    assert a.minhash is None and a.duplicate_of_id is None
    with session_scope(engine) as session:
        assert session.execute(
            select(func.count()).where(LshBand.article_id == result.article_id)
        ).scalar_one() == 0


# --------------------------------------------------------------------------- walled pages


def test_walled_teaser_never_becomes_the_original(engine: Engine) -> None:
    teaser_body = "\n\n".join(paragraphs(STATEMENT)[:14])
    teaser = store(engine, reprint("000", "paywalled", teaser_body, access="partial"))
    full = store(engine, seed_item("000"))
    assert teaser.outcome is Outcome.NEW
    assert full.outcome is Outcome.NEW
    assert article(engine, full.article_id).duplicate_of_id is None
    assert article(engine, teaser.article_id).duplicate_of_id == full.article_id


def test_walled_copy_of_a_full_article_is_linked_to_it(engine: Engine) -> None:
    full = store(engine, seed_item("000"))
    teaser_body = "\n\n".join(paragraphs(STATEMENT)[:14])
    teaser = store(engine, reprint("000", "paywalled", teaser_body, access="partial"))
    assert teaser.outcome is Outcome.SYNDICATED
    assert article(engine, teaser.article_id).duplicate_of_id == full.article_id


# --------------------------------------------------------------------------- revisions


def _revision(engine: Engine, article_id: int) -> Revision:
    with session_scope(engine) as session:
        return session.execute(select(Revision).where(Revision.article_id == article_id)).scalar_one()


def test_typo_fix_is_a_minor_revision_not_alerted(engine: Engine) -> None:
    first = store(engine, seed_item("000"))
    revised = store(engine, seed_item("000", body=STATEMENT.replace("can found here", "can be found here")))
    assert revised.outcome is Outcome.REVISED
    rev = _revision(engine, first.article_id)
    assert rev.change == "minor"
    assert rev.similarity is not None and rev.similarity >= 0.9
    assert rev.alert_state == "done"


def test_rewritten_statement_is_a_major_revision_to_alert(engine: Engine) -> None:
    first = store(engine, seed_item("000"))
    rewrite = "\n\n".join(paragraphs(STATEMENT)[:3] + paragraphs(seed_body("003"))[5:14])
    revised = store(engine, seed_item("000", body=rewrite))
    assert revised.outcome is Outcome.REVISED
    rev = _revision(engine, first.article_id)
    assert rev.change == "major"
    assert rev.similarity is not None and rev.similarity < 0.5
    assert rev.alert_state == "pending"


def test_revision_moves_the_bands_to_the_new_text(engine: Engine) -> None:
    first = store(engine, seed_item("000"))
    rewrite = seed_body("003")
    store(engine, seed_item("000", body=rewrite))
    copy = store(engine, reprint("000", "insidecroydon", NEW_LEAD + "\n\n" + rewrite))
    assert copy.outcome is Outcome.SYNDICATED
    assert copy.original_id == first.article_id
    with session_scope(engine) as session:
        old = [c.article_id for c in neardup.find_candidates(session, minhash.signature(STATEMENT))]
    assert first.article_id not in old


# --------------------------------------------------------------------------- concurrency


def _pairs() -> list[tuple[ArticleInput, ArticleInput]]:
    """Twelve originals and their near-copies, each pair stored at the same moment."""
    paras = paragraphs(STATEMENT) + paragraphs(seed_body("002")) + paragraphs(seed_body("003"))
    out = []
    for k in range(12):
        body = "\n\n".join(paras[k * 6 : k * 6 + 6])
        a = ArticleInput(source="croydon", canonical_url=f"https://news.croydon.gov.uk/n{k}", title=f"Statement {k}",
                         body=body, published_at=datetime(2018, 1, 1 + k, 9, tzinfo=UTC), la_codes=[CROYDON])
        b = ArticleInput(source="insidecroydon", canonical_url=f"https://insidecroydon.example/n{k}",
                         title=f"Statement {k}", body=body + "\n\nSource: Croydon Council press office.",
                         published_at=datetime(2018, 1, 1 + k, 9, tzinfo=UTC), la_codes=[CROYDON])
        out.append((a, b))
    return out


def _worker(url: str, items: list[ArticleInput], barrier: Any, queue: Any) -> None:
    engine = make_engine(url)
    outcomes = []
    try:
        for item in items:
            barrier.wait(timeout=60)
            with session_scope(engine) as session:
                outcomes.append(store_article(session, item).outcome.value)
    finally:
        engine.dispose()
        queue.put(outcomes)


def run_two_crawlers(url: str) -> list[str]:
    """Two processes store each original and its copy at the same moment, then seeds 001/002."""
    pairs = _pairs()
    left = [a if k % 2 else b for k, (a, b) in enumerate(pairs)] + [seed_item("001")]
    right = [b if k % 2 else a for k, (a, b) in enumerate(pairs)] + [seed_item("002")]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, items, barrier, queue)) for items in (left, right)]
    for p in procs:
        p.start()
    outcomes = [queue.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return [o for out in outcomes for o in out]


def assert_one_original_per_pair(engine: Engine) -> None:
    with session_scope(engine) as session:
        for k in range(12):
            rows = session.execute(
                select(Article.id, Article.duplicate_of_id).where(Article.title == f"Statement {k}").order_by(Article.id)
            ).all()
            assert len(rows) == 2
            first, second = rows
            assert first.duplicate_of_id is None, f"pair {k}: the first stored must be the original"
            assert second.duplicate_of_id == first.id, f"pair {k}: the copy must link to it"
        stories = session.execute(
            select(Article.story_id).where(Article.source.in_(["localgov", "cypnow"]))
        ).scalars().all()
        assert len(stories) == 2 and stories[0] is not None and stories[0] == stories[1]


def test_two_processes_make_no_duplicate_originals(engine: Engine, db_url: str) -> None:
    outcomes = run_two_crawlers(db_url)
    assert outcomes.count("syndicated") == 12
    assert_one_original_per_pair(engine)


# --------------------------------------------------------------------------- the dedup lock


@pytest.fixture
def pg_engines(pg_schemas: Callable[[], str]) -> Iterator[Callable[[], Engine]]:
    """Migrated engines, each on a schema of its own in one PostgreSQL database."""
    made: list[Engine] = []

    def new_install() -> Engine:
        engine = make_engine(pg_schemas())
        create_schema(engine)
        made.append(engine)
        return engine

    yield new_install
    for engine in made:
        engine.dispose()


@pytest.mark.postgres
def test_a_batch_being_stored_in_one_schema_does_not_hold_up_another_schema(
        pg_engines: Callable[[], Engine]) -> None:
    busy, other = pg_engines(), pg_engines()
    with session_scope(busy) as batch:
        store_article(batch, seed_item("000"))  # its transaction holds the dedup lock until it ends
        with session_scope(other) as session:
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert store_article(session, seed_item("001")).outcome is Outcome.NEW


@pytest.mark.postgres
def test_a_second_writer_in_the_same_schema_waits_for_the_batch(pg_engines: Callable[[], Engine]) -> None:
    engine = pg_engines()
    copy = reprint("000", "insidecroydon", NEW_LEAD + "\n\n" + STATEMENT)
    with session_scope(engine) as batch:
        store_article(batch, seed_item("000"))
        with pytest.raises(OperationalError, match="lock timeout"), session_scope(engine) as session:
            session.execute(text("SET LOCAL lock_timeout = '300ms'"))
            store_article(session, copy)  # would miss the uncommitted original
    assert store(engine, copy).outcome is Outcome.SYNDICATED  # once the batch is in
