"""Request-scoped helpers: the database session, the settings, who is signed in, page rendering."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from web.exports import csv_response, json_response
from web.security import SESSION_KEY
from web.settings import WebSettings


def get_session(request: Request) -> Iterator[Session]:
    """One read-only session per request (never committed)."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def settings_of(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def signed_in(request: Request) -> bool:
    """A user signed in with the password (never true when sign-in is off)."""
    return bool(settings_of(request).auth_required and request.session.get(SESSION_KEY))


def _params(request: Request) -> dict[str, Any]:
    """The query parameters, repeated ones as lists (for links that keep the filters)."""
    out: dict[str, Any] = {}
    for key in dict.fromkeys(request.query_params.keys()):
        values = request.query_params.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    settings = settings_of(request)
    ctx = {"settings": settings, "signed_in": signed_in(request), "path": request.url.path,
           "params": _params(request), **context}
    response: Response = request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status)
    return response


def respond(request: Request, fmt: str, template: str, *, data: BaseModel | Sequence[BaseModel],
            csv_rows: Sequence[BaseModel] | None = None, filename: str = "carewatch",
            csv_drop: Sequence[str] = (), csv_model: type[BaseModel] | None = None, **context: Any) -> Response:
    """The page as HTML, or its listing as CSV / JSON (``?format=``)."""
    if fmt == "json":
        return json_response(data)
    if fmt == "csv":
        rows = csv_rows if csv_rows is not None else (data if isinstance(data, Sequence) else [data])
        return csv_response(rows, filename, drop=csv_drop, model=csv_model)
    return render(request, template, data=data, **context)
