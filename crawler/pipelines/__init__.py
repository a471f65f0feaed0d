"""Item pipelines: extract -> store (dedup decisions live in storage.repository)."""
