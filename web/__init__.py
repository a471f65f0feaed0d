"""carewatch's web dashboard and read-only JSON API (an ASGI app on storage's query functions).

``web.app.create_app(web.settings.WebSettings(...))`` builds it; ``carewatch web`` serves it
alone and ``carewatch run`` beside the scheduler. This package imports storage only: what it
needs to know of the configuration (sources, rules, when a source runs next) is handed over
in :class:`web.settings.WebSettings` by the command line.
"""
