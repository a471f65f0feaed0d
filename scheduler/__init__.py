"""carewatch's long-running service (APScheduler 3.x), alert rules, outbox, notifiers and CLI."""
