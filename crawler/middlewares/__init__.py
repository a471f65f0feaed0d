"""Downloader middlewares: conditional re-crawls, robots.txt that fails closed, Retry-After."""
