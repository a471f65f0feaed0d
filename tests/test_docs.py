"""The documentation stays true: the example config loads, every command is in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from scheduler.cli import main
from scheduler.config import load_config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "carewatch") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, full))
        else:
            out.append(full)
    return out


def test_example_config_loads_with_every_section() -> None:
    config = load_config(ROOT / "carewatch.example.toml")
    assert set(config.raw) == {"database", "crawler", "mail", "operator", "service", "sources", "rules", "web"}
    assert "leeds" in config.sources and "ofsted_reports" in config.rules


@pytest.mark.parametrize("command", commands(main))
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    assert command in README, f"README.md does not mention `{command}`"


def test_readme_gives_the_two_commands_first() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "scripts/run.sh" in first_block and "scripts/test.sh" in first_block
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
