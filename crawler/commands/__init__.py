"""carewatch's Scrapy commands (``COMMANDS_MODULE``): ``crawl``, as Scrapy's, with carewatch's
exit status."""
