"""Architecture rules from DESIGN.md, checked on the source text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


STORAGE_FILES = sorted((ROOT / "storage").rglob("*.py"))


@pytest.mark.parametrize("path", STORAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_imports_neither_scrapy_nor_apscheduler(path: Path) -> None:
    assert not imported_modules(path) & {"scrapy", "twisted", "apscheduler", "crawler", "scheduler"}


@pytest.mark.parametrize("path", sorted((ROOT / "crawler").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_crawler_knows_nothing_of_schedules_or_alerts(path: Path) -> None:
    assert not imported_modules(path) & {"apscheduler", "scheduler", "smtplib"}


@pytest.mark.parametrize("path", sorted((ROOT / "scheduler").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_scheduler_runs_crawls_only_as_child_processes(path: Path) -> None:
    assert not imported_modules(path) & {"scrapy", "twisted"}


def test_the_service_process_never_loads_scrapy() -> None:
    """The scheduler reads sources and config without importing Scrapy or Twisted."""
    import subprocess
    import sys

    code = "import sys, scheduler.cli, scheduler.service; print(sorted(m for m in ('scrapy', 'twisted') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("path", sorted((ROOT / "web").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_imports_storage_only(path: Path) -> None:
    """The dashboard reads storage's query functions; it never imports the crawler or the scheduler."""
    assert not imported_modules(path) & {"scrapy", "twisted", "apscheduler", "crawler", "scheduler", "smtplib"}


@pytest.mark.parametrize("path", STORAGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_knows_nothing_of_the_web(path: Path) -> None:
    assert not imported_modules(path) & {"web", "fastapi", "starlette", "jinja2", "uvicorn"}


def test_the_cli_loads_no_web_framework_until_the_dashboard_is_served() -> None:
    """``carewatch status`` and friends stay quick: FastAPI and uvicorn load only for web/run."""
    import subprocess
    import sys

    code = ("import sys, scheduler.cli, scheduler.config; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'apprise') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
