"""One-click unsubscribe (RFC 8058): every e-mail carries a link that stops that kind
of message for its recipient, without signing in.

The link's token is `<volunteer id>.<kind>.<HMAC>`: signed with a key of the service
(table signing_key), so it needs no row of its own, cannot be made up for someone
else, and keeps working for as long as the key does. It names the volunteer by their
id, which tells the recipient (and their mail provider) nothing about anyone else.
"""

import hashlib
import hmac
import re
import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.notifications import preferences
from app.notifications.models import EventKind, SigningKey
from app.settings import get_settings, public_url
from app.volunteers.models import Volunteer, VolunteerStatus

PURPOSE = "unsubscribe"
# 128 bits of the HMAC-SHA256: far beyond guessing, and the link stays short.
MAC_HEX_CHARS = 32
ID = re.compile(r"[1-9][0-9]{0,9}")


def signing_key(session: Session) -> bytes:
    """The key unsubscribe links are signed with; the migration made it. Read once per
    session (a delivery round signs many mails)."""
    cached = session.info.get("unsubscribe_key")
    if cached is not None:
        return cached
    row = session.get(SigningKey, PURPOSE)
    if row is None:
        # Only if someone deleted it: a new key (links already sent stop working,
        # which is all that can be done without the old one).
        try:
            with session.begin_nested():
                row = SigningKey(purpose=PURPOSE, secret=secrets.token_hex(32))
                session.add(row)
        except IntegrityError:  # another process made it first
            row = session.get_one(SigningKey, PURPOSE)
    key = bytes.fromhex(row.secret)
    session.info["unsubscribe_key"] = key
    return key


def _mac(key: bytes, volunteer_id: int, kind: str) -> str:
    signed = f"{PURPOSE}\0{volunteer_id}\0{kind}".encode()
    return hmac.new(key, signed, hashlib.sha256).hexdigest()[:MAC_HEX_CHARS]


def token(session: Session, volunteer_id: int, kind: str) -> str:
    return f"{volunteer_id}.{kind}.{_mac(signing_key(session), volunteer_id, kind)}"


def url(session: Session, volunteer_id: int, kind: str) -> str:
    """The link of the List-Unsubscribe header (and of the confirmation page)."""
    return f"{public_url(get_settings())}/unsubscribe/{token(session, volunteer_id, kind)}"


def recipient(session: Session, token: str) -> tuple[Volunteer, EventKind] | None:
    """Whose link this is and which kind of message it stops; None for a token that is
    forged, mangled, or of someone who has withdrawn since."""
    parts = token.split(".")
    if len(parts) != 3 or not ID.fullmatch(parts[0]) or parts[1] not in preferences.EVENT_KINDS:
        return None
    volunteer_id, kind, mac = int(parts[0]), parts[1], parts[2]
    if not hmac.compare_digest(mac, _mac(signing_key(session), volunteer_id, kind)):
        return None
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.status == VolunteerStatus.withdrawn:
        return None
    return volunteer, EventKind(kind)


def unsubscribe(session: Session, token: str) -> EventKind | None:
    """Mutes the link's kind of message for its volunteer (idempotent); None if the
    token is no good."""
    found = recipient(session, token)
    if found is None:
        return None
    volunteer, kind = found
    preferences.mute(session, volunteer.id, kind)
    return kind


def is_muted(session: Session, volunteer_id: int, kind: EventKind) -> bool:
    chosen = preferences.choices(preferences.preference_of(session, volunteer_id))
    return kind.value in chosen.muted_kinds
