"""A volunteer's notification settings (`/volunteers/me/notification-settings`), and
the one-click unsubscribe link of every e-mail (`/unsubscribe/{token}`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from app.deps import API_PREFIX, SessionDep, VolunteerAccount
from app.errors import NotFound
from app.notifications import preferences, unsubscribe
from app.notifications.models import EventKind
from app.notifications.schemas import NotificationSettingsRead, NotificationSettingsUpdate
from app.volunteers import service as volunteer_service
from app.web.pages import redirect, render

router = APIRouter(prefix=API_PREFIX, tags=["notifications"])


@router.get("/volunteers/me/notification-settings", response_model=NotificationSettingsRead)
def read_my_notification_settings(session: SessionDep, account: VolunteerAccount):
    """The caller's settings, the office's defaults filled in where they chose nothing."""
    volunteer = volunteer_service.volunteer_of(session, account)
    return preferences.settings_of(session, volunteer.id)


@router.patch("/volunteers/me/notification-settings", response_model=NotificationSettingsRead)
def change_my_notification_settings(
    session: SessionDep, account: VolunteerAccount, body: NotificationSettingsUpdate
):
    """Changes only the fields sent; those become the caller's own choice, the rest
    keep following the office's defaults. `quiet_hours: null` is no quiet hours,
    `reminder_minutes: []` no reminders, `muted_kinds` the kinds of message not wanted
    by e-mail (an unsubscribe link adds to it)."""
    volunteer = volunteer_service.volunteer_of(session, account)
    preferences.update(session, volunteer.id, body)
    return preferences.settings_of(session, volunteer.id)


# -- one-click unsubscribe (RFC 8058), outside /api/v1: the link in every e-mail --------

unsubscribe_router = APIRouter(tags=["notifications"])
UNSUBSCRIBE_PAGE = "unsubscribe/confirm.html"
UNSUBSCRIBE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "This kind of message is no longer sent to the link's recipient"},
    404: {"description": "The link is not valid (mangled, or its volunteer has withdrawn)"},
}


class Unsubscribed(BaseModel):
    unsubscribed: EventKind


@unsubscribe_router.get("/unsubscribe/{token}", include_in_schema=False)
def unsubscribe_page(request: Request, session: SessionDep, token: str):
    """Asks before it unsubscribes: mail clients and scanners open links to preview
    them, and a GET must not change anything."""
    found = unsubscribe.recipient(session, token)
    if found is None:
        return render(request, UNSUBSCRIBE_PAGE, {"found": False}, status=404)
    volunteer, kind = found
    context = {
        "found": True,
        "kind": kind.value,
        "muted": unsubscribe.is_muted(session, volunteer.id, kind),
        "done": request.query_params.get("done") == "true",
    }
    return render(request, UNSUBSCRIBE_PAGE, context)


@unsubscribe_router.post(
    "/unsubscribe/{token}", response_model=Unsubscribed, responses=UNSUBSCRIBE_RESPONSES
)
def unsubscribe_one_click(
    request: Request,
    session: SessionDep,
    token: str,
    from_page: Annotated[str | None, Form(max_length=10)] = None,
):
    """RFC 8058 one-click: the mail client POSTs `List-Unsubscribe=One-Click` here,
    without cookies or a sign-in; idempotent. The confirmation page's button posts
    here too.

    No CSRF token, on purpose: the link's token is the proof. Whoever can make a
    browser post this form must already know the token, and with it they could post
    it themselves, as RFC 8058 requires any mail client to be able to; a forged post
    does no more than the link allows (stop one kind of message to its recipient),
    and the recipient can turn it back on in the app's settings."""
    kind = unsubscribe.unsubscribe(session, token)
    if from_page:
        if kind is None:  # the volunteer withdrew after the page was shown
            return render(request, UNSUBSCRIBE_PAGE, {"found": False}, status=404)
        return redirect(f"/unsubscribe/{token}?done=true")
    if kind is None:
        raise NotFound("This unsubscribe link is not valid.")
    return Unsubscribed(unsubscribed=kind)
