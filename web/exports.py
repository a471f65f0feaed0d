"""CSV and JSON downloads of a listing (the same API models the page shows, flattened for CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        parts = []
        for v in value:
            if isinstance(v, dict) and "area" in v and "grade" in v:
                parts.append(f"{v['area']}: {v['grade']}")
            elif isinstance(v, dict):
                parts.append(str(v.get("page") or v.get("id") or json.dumps(v, ensure_ascii=False)))
            else:
                parts.append(str(v))
        return "; ".join(parts)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def csv_response(rows: Sequence[BaseModel], filename: str, *, columns: Sequence[str] | None = None,
                 drop: Sequence[str] = (), model: type[BaseModel] | None = None) -> Response:
    """``rows`` as a CSV attachment: one column per field (lists joined with "; ")."""
    dumped = [r.model_dump(mode="json") for r in rows]
    if columns is None:
        names = list(dumped[0]) if dumped else list(model.model_fields) if model else []
        columns = [c for c in names if c not in drop]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in dumped:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def json_response(data: BaseModel | Sequence[BaseModel]) -> JSONResponse:
    if isinstance(data, BaseModel):
        return JSONResponse(data.model_dump(mode="json"))
    return JSONResponse([d.model_dump(mode="json") for d in data])
