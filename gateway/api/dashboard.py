"""``/ops``: the operator's dashboard, one page with its script and style, served offline.

The page itself holds no data and is public; everything it shows comes from the operations
API, which requires the operator's session (see ``gateway/api/ops.py``). No file comes from
a CDN: the dashboard must work on a network cut off from the internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from gateway.refusals import Refusal

STATIC = Path(__file__).resolve().parent.parent / "ops" / "static"
FILES = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
# The page may run its own script and style and talk to its own origin, nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["operations"], include_in_schema=False)


@router.get("/ops")
def dashboard() -> FileResponse:
    """The dashboard page."""
    return FileResponse(
        STATIC / "dashboard.html",
        media_type="text/html; charset=utf-8",
        headers=SECURITY_HEADERS,
    )


@router.get("/ops/static/{name}")
def dashboard_file(name: Annotated[str, PathParam(max_length=64)]) -> FileResponse:
    """The dashboard's script and style (a fixed list: nothing else is served from here)."""
    media_type = FILES.get(name)
    if media_type is None:
        raise Refusal("resource.not_found")
    return FileResponse(STATIC / name, media_type=media_type, headers=SECURITY_HEADERS)
