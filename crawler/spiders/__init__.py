"""Spiders: one generic news spider and the special Ofsted and GOV.UK spiders."""
