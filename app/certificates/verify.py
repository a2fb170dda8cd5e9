"""The public check of a certificate: /verify/{code}, where its QR code leads.

Anyone may look, without signing in, so it shows what the certificate claims and
nothing more about the person: the masked name, the period, the hours, the issuing
district. Lookups are rate-limited per client IP, so that codes (60 random bits)
cannot be enumerated. `Accept: application/json` gets the same as JSON.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from app.certificates import service
from app.certificates.pdf import hours_text
from app.certificates.schemas import VerifyRead
from app.deps import SessionDep
from app.errors import problem
from app.ratelimit import RateLimited, limit_per_ip
from app.settings import get_settings
from app.web.pages import redirect, render

router = APIRouter(tags=["certificates"])

TEMPLATE = "verify/certificate.html"
# One URL, HTML or JSON; never cached, so that a revocation shows at once.
ANSWER_HEADERS = {"Vary": "Accept", "Cache-Control": "no-store"}
# What a refused form shows again of the code typed (the field takes 40 characters).
TYPED_SHOWN = 40
VERIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": VerifyRead, "content": {"text/html": {}}, "description": "A certificate"},
    404: {"description": "No certificate has this code (`valid: false`)"},
    429: {"description": "Too many lookups from this address"},
}


def limit_lookups(request: Request) -> None:
    settings = get_settings()
    limit_per_ip(
        request,
        "verify",
        per_minute=settings.verify_rate_per_minute,
        burst=settings.verify_rate_burst,
    )


def wants_json(accept: str | None) -> bool:
    return accept is not None and "application/json" in accept and "text/html" not in accept


@router.get("/verify", include_in_schema=False)
def verify_form(request: Request, code: str | None = None):
    """A form to type a code from paper; a well-formed code leads to its page."""
    if code is None or not code.strip():
        return render(request, TEMPLATE, {"asked": False})
    normalized = service.normalize_code(code)
    if normalized is None:
        context = {"asked": False, "typed": code[:TYPED_SHOWN], "malformed": True}
        return render(request, TEMPLATE, context, 422)
    return redirect(f"/verify/{normalized}")


@router.get("/verify/{code}", response_model=None, responses=VERIFY_RESPONSES)
def verify(
    request: Request,
    session: SessionDep,
    code: str,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Whether a certificate is valid: `{valid, name (masked), from, to, hours, district,
    revoked}`; a revoked one is `valid: false` with `revoked_at`. HTML unless the client
    accepts JSON (and not HTML)."""
    as_json = wants_json(accept)
    try:
        limit_lookups(request)
    except RateLimited as limited:
        if as_json:
            raise
        seconds = limited.extra["retry_after"]
        context = {"asked": True, "limited": seconds, "typed": code}
        response = render(request, TEMPLATE, context, 429)
        response.headers["Retry-After"] = str(seconds)
        return response
    found = service.verification(session, code)
    if as_json:
        if found is None:
            return problem(
                404, "No certificate has this code.", slug="not-found", headers=ANSWER_HEADERS,
                valid=False,
            )  # fmt: skip
        return JSONResponse(found.model_dump(mode="json", by_alias=True), headers=ANSWER_HEADERS)
    context = {"asked": True, "typed": code, "certificate": found}
    if found is not None:
        context |= {
            "code": service.grouped(found.code),
            "hours": hours_text(found.hours),
            "issued_on": service.local_date(found.issued_at),
            "revoked_on": service.local_date(found.revoked_at) if found.revoked_at else None,
        }
    response = render(request, TEMPLATE, context, 200 if found else 404)
    response.headers["Vary"] = "Accept"
    return response
