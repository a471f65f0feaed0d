"""``create_app(settings)``: the dashboard's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from storage.db import make_engine, make_sessionmaker
from web import api, feed_routes, pages
from web.deps import render
from web.passwords import verify_password
from web.render import make_templates
from web.security import (
    SESSION_KEY,
    AuthMiddleware,
    HeadersMiddleware,
    LoginLimiter,
    client_key,
    safe_next,
    wants_html,
)
from web.settings import WebSettings, check_bind

STATIC = Path(__file__).with_name("static")


def _problem(request: Request, status: int, message: str) -> Response:
    if wants_html(request):
        return render(request, "error.html", status=status, message=message, status_code=status)
    if request.url.path.startswith("/api/") or request.query_params.get("format") == "json":
        return JSONResponse({"detail": message}, status_code=status)
    return PlainTextResponse(f"Error: {message}", status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def create_app(settings: WebSettings) -> FastAPI:
    """The dashboard on ``settings.database_url`` (read only). Checks the bind address first."""
    check_bind(settings.host, settings.password_hash)
    engine = make_engine(settings.database_url, read_only=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="carewatch", summary="Ofsted reports and news on English LAs' children's services",
                  version="1", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.templates = make_templates()
    limiter = LoginLimiter(settings.login_attempts, settings.login_window_seconds)
    app.state.limiter = limiter

    app.include_router(pages.router)
    app.include_router(feed_routes.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        response = _problem(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return _problem(request, 400, _validation_message(exc))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str | None = None) -> Response:
        if not settings.auth_required:
            return RedirectResponse("/", status_code=303)
        return render(request, "login.html", next=safe_next(next), error=None)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, password: Annotated[str, Form(max_length=1000)] = "",
              next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
        if not settings.auth_required:
            return RedirectResponse("/", status_code=303)
        client = client_key(request)
        wait = limiter.retry_after(client)
        if wait:
            return render(request, "login.html", status=429, next=safe_next(next),
                          error=f"Too many failed sign-ins: try again in {wait} seconds.")
        assert settings.password_hash is not None
        if not verify_password(password, settings.password_hash):
            limiter.failed(client)
            return render(request, "login.html", status=401, next=safe_next(next), error="Wrong password.")
        limiter.succeeded(client)
        request.session.clear()
        request.session[SESSION_KEY] = True
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login" if settings.auth_required else "/", status_code=303)

    # the last added runs first: headers wrap everything, then the session, then sign-in
    app.add_middleware(AuthMiddleware, settings=settings, limiter=limiter)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="carewatch_session",
                       max_age=12 * 3600, same_site="strict", https_only=settings.secure_cookies)
    app.add_middleware(HeadersMiddleware)
    return app
