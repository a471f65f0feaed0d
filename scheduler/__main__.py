"""``python -m scheduler`` = the ``carewatch`` command."""

from __future__ import annotations

from scheduler.cli import main

main()
