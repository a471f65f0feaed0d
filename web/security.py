"""Response headers, request sanity checks, sign-in and its rate limit.

* Every response carries a Content-Security-Policy without inline script (the pages have no
  script at all), ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff`` and a
  same-origin referrer policy.
* A URL whose path or query holds a NUL or undecodable bytes gets 400 before any route.
* With a password configured, every page but ``/login`` and ``/static`` needs a signed-in
  session (Starlette's signed cookie) or HTTP Basic credentials (feed readers, scripts):
  HTML pages redirect to ``/login``, feeds, exports and the API answer 401.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import deque
from urllib.parse import quote, unquote_to_bytes

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.passwords import verify_password
from web.settings import WebSettings

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
OPEN_PATHS = ("/login", "/static/", "/favicon.ico")
SESSION_KEY = "signed_in"


class HeadersMiddleware:
    """Adds :data:`HEADERS` to every response; rejects URLs with NUL or non-UTF-8 bytes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _bad_target(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()
                            if k.lower().encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        if problem:
            await PlainTextResponse(f"Bad request: {problem}", status_code=400)(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)


def _bad_target(scope: Scope) -> str | None:
    raw_path = scope.get("raw_path") or scope.get("path", "").encode()
    for what, raw in (("path", raw_path), ("query string", scope.get("query_string", b""))):
        data = unquote_to_bytes(raw.replace(b"+", b" ") if what == "query string" else raw)
        if b"\x00" in data:
            return f"the {what} contains a NUL character"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return f"the {what} is not valid UTF-8"
    return None


class LoginLimiter:
    """At most ``attempts`` failed sign-ins per client address per ``window`` seconds."""

    def __init__(self, attempts: int, window: float) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        q = self._failures.setdefault(client, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(client, now)
            if len(q) < self.attempts:
                return 0
            return max(1, int(q[0] + self.window - now) + 1)

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith(".atom") or path.endswith(".json"):
        return False
    return request.query_params.get("format", "html") == "html"


class AuthMiddleware(BaseHTTPMiddleware):
    """Sign-in required for everything but :data:`OPEN_PATHS` (only with a password set)."""

    def __init__(self, app: ASGIApp, settings: WebSettings, limiter: LoginLimiter) -> None:
        super().__init__(app)
        self.settings, self.limiter = settings, limiter

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if (not self.settings.auth_required or path in OPEN_PATHS or path.startswith("/static/")
                or request.session.get(SESSION_KEY)):
            return await call_next(request)
        basic = _basic_password(request)
        if basic is not None:
            client = client_key(request)
            wait = self.limiter.retry_after(client)
            if wait:
                return PlainTextResponse("Too many failed sign-ins; try again later.", status_code=429,
                                         headers={"Retry-After": str(wait)})
            assert self.settings.password_hash is not None
            if verify_password(basic, self.settings.password_hash):
                self.limiter.succeeded(client)
                return await call_next(request)
            self.limiter.failed(client)
        if wants_html(request) and request.method == "GET":
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return PlainTextResponse("Sign in first (POST /login, or HTTP Basic with the dashboard password).",
                                 status_code=401, headers={"WWW-Authenticate": 'Basic realm="carewatch"'})


def _basic_password(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]


def safe_next(target: str | None) -> str:
    """Only a local path may follow a sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
