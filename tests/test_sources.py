"""Source configuration: built-ins, user overrides, and errors that name file, source and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError
from crawler.sources import load_sources

BUILT_IN = {"communitycare", "cypnow", "localgov", "locumtoday", "croydon", "insidecroydon",
            "croydonguardian", "ofsted", "govuk"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "carewatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_sources_ship_with_the_crawler(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, ""))
    assert BUILT_IN <= set(sources)
    assert sources["communitycare"].feeds[0] == "https://www.communitycare.co.uk/feed/"
    assert sources["ofsted"].spider == "ofsted"
    assert {s.kind for s in sources.values()} == {"council", "trade_press", "local_news", "regulator"}


def test_user_file_overrides_a_field_and_disables_a_source(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.communitycare]\ninterval_minutes = 15\n\n[sources.localgov]\nenabled = false\n')
    sources = load_sources(path)
    assert sources["communitycare"].interval_minutes == 15
    assert sources["communitycare"].name == "Community Care"
    assert sources["localgov"].enabled is False


def test_user_file_adds_a_source(tmp_path: Path) -> None:
    path = write(tmp_path, """
[sources.leeds]
name = "Leeds City Council news"
kind = "council"
domains = ["news.leeds.gov.uk"]
feeds = ["https://news.leeds.gov.uk/feed/"]
topic_filter = true
""")
    leeds = load_sources(path)["leeds"]
    assert leeds.start_urls == ["https://news.leeds.gov.uk/feed/"]
    assert leeds.allows("https://news.leeds.gov.uk/some-story/")
    assert not leeds.allows("https://evil.example/news.leeds.gov.uk/x")


def test_base_url_rebases_every_start_point_and_domain(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.ofsted]\nbase_url = "http://127.0.0.1:8123"\n')
    ofsted = load_sources(path)["ofsted"]
    assert ofsted.domains == ("127.0.0.1",)
    assert ofsted.start_urls[0].startswith("http://127.0.0.1:8123/search?")
    assert "start=100" in ofsted.start_urls[1]


def test_unknown_key_names_file_source_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.communitycare]\nintervall = 5\n')
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert str(path) in message and "[sources.communitycare]" in message and "'intervall'" in message


def test_unknown_listing_key_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.cypnow]\nlistings = [{ url = "https://www.cypnow.co.uk/x", pages = 2 }]\n')
    with pytest.raises(ConfigError, match=r"sources\.cypnow\.listings\[0\].*'pages'"):
        load_sources(path)


def test_new_source_missing_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.leeds]\nname = "Leeds"\nkind = "council"\nfeeds = ["https://x/feed"]\n')
    with pytest.raises(ConfigError, match=r"\[sources\.leeds\]: missing key 'domains'"):
        load_sources(path)


def test_wrong_type_and_bad_kind(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'interval_minutes' must be int, not str"):
        load_sources(write(tmp_path, '[sources.croydon]\ninterval_minutes = "hourly"\n'))
    with pytest.raises(ConfigError, match="'kind' must be one of"):
        load_sources(write(tmp_path, '[sources.croydon]\nkind = "blog"\n'))


def test_bad_regex_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"bad regex"):
        load_sources(write(tmp_path, "[sources.croydon]\nallow = ['(unclosed']\n"))


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[sources.croydon\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sources(path)


def test_bad_prune_rules_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[sources\.croydon\]: key 'prune_xpath': bad XPath"):
        load_sources(write(tmp_path, "[sources.croydon]\nprune_xpath = ['//div[@class=']\n"))
    with pytest.raises(ConfigError, match=r"key 'prune_css': bad CSS selector"):
        load_sources(write(tmp_path, "[sources.croydon]\nprune_css = ['div..x']\n"))


@pytest.mark.parametrize(("toml", "message"), [
    ('listings = [{ url = "https://www.croydon.gov.uk/news?page={page}", max_pages = "3" }]',
     "[sources.croydon.listings[0]]: key 'max_pages' must be int, not str"),
    ('listings = [{ max_pages = 3 }]', "[sources.croydon.listings[0]]: missing key 'url'"),
    ('listings = ["https://www.croydon.gov.uk/news"]', "[sources.croydon]: key 'listings': item 0 must be a table, not str"),
    ("revisit = { young_days = \"three\" }", "[sources.croydon.revisit]: key 'young_days' must be int or float, not str"),
    ("revisit = { young_dayz = 3 }", "[sources.croydon.revisit]: unknown key 'young_dayz'"),
    ('feeds = ["https://www.croydon.gov.uk/feed", 3]', "[sources.croydon]: key 'feeds': item 1 must be str, not int"),
    ('enabled = "yes"', "[sources.croydon]: key 'enabled' must be bool, not str"),
    ("download_delay = true", "[sources.croydon]: key 'download_delay' must be int or float, not bool"),
])
def test_wrong_types_name_file_table_key_expected_and_found(tmp_path: Path, toml: str, message: str) -> None:
    path = write(tmp_path, f"[sources.croydon]\n{toml}\n")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_numbers_in_float_keys_are_floats(tmp_path: Path) -> None:
    croydon = load_sources(write(tmp_path, "[sources.croydon]\ndownload_delay = 3\nrevisit = { old_days = 7 }\n"))["croydon"]
    assert croydon.download_delay == 3.0 and isinstance(croydon.download_delay, float)
    assert croydon.revisit.old_days == 7.0 and croydon.revisit.young_hours == 6.0
