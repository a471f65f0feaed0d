"""carewatch storage: SQLAlchemy 2.0 models, sessions, dedup and repository functions.

Imports neither Scrapy nor APScheduler (checked by tests/test_boundaries.py).
"""
