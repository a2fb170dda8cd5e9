"""The station kiosk page: plain HTML, CSS and JavaScript, no build step.

Outside /api/v1 and outside the OpenAPI document: it is a page, not an API. It
talks to /api/v1/kiosk/* with the key the device keeps in its local storage.
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.errors import NotFound

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"kiosk.js": "text/javascript; charset=utf-8", "kiosk.css": "text/css; charset=utf-8"}
HEADERS = {
    # Tablets keep the page open for days: ask for a fresh copy on every load.
    "Cache-Control": "no-cache",
    # Scripts and styles only from here; the page is never framed by another site.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/kiosk")
def kiosk_page() -> FileResponse:
    return FileResponse(
        STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS
    )


@router.get("/kiosk/assets/{name}")
def kiosk_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise NotFound(f"No kiosk asset {name!r}.")
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=HEADERS)
