"""Limits on guessing passwords and invitation codes and on mass registration, counted
in the database so that every API process and machine shares one count.

Each limit is a sliding window: at most `max_events` events of a scope and key in the
last `window_seconds`. What counts:

- `account`: failed sign-ins per username as typed, normalised (lower-case email,
  E.164 phone), whether or not such an account exists, so that the count tells an
  attacker nothing; and `password`: failed password changes per account. A correct
  password does not count. 30 guesses at one account from 30 addresses stop at the
  limit.
- `ip`: failures of any kind (sign-in, password change, invitation code) per client
  address. Successes never count, so colleagues behind one office NAT keep signing
  in to their own accounts while someone among them mistypes.
- `register`: every registration attempt per client address, accepted or not (a
  refused one can still tell whether a phone is registered).

At the limit the answer is 429 with Retry-After: the seconds until the oldest event
that keeps the count at the limit leaves the window. Keys are stored as digests, and
rows older than the longest window are deleted as new ones are written.
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts.models import ThrottleEvent
from app.db import utcnow
from app.ratelimit import RateLimited
from app.settings import get_settings
from app.volunteers import phones

ACCOUNT = "account"
PASSWORD = "password"
IP = "ip"
REGISTER = "register"

# Any fixed 64-bit number, the same in every process: whoever holds this advisory lock
# is deleting old rows, and the others skip that chore rather than queue for it.
_PRUNE_LOCK = 0x75_72_6F_73_74_65_72_02  # "uroster" + 2


@dataclass(frozen=True)
class Limit:
    max_events: int
    window: timedelta


def limits() -> dict[str, Limit]:
    settings = get_settings()
    account = Limit(
        settings.auth_account_failures, timedelta(seconds=settings.auth_account_window_seconds)
    )
    return {
        ACCOUNT: account,
        PASSWORD: account,
        IP: Limit(settings.auth_ip_failures, timedelta(seconds=settings.auth_ip_window_seconds)),
        REGISTER: Limit(
            settings.registrations_per_ip,
            timedelta(seconds=settings.registration_window_seconds),
        ),
    }


Key = tuple[str, str]  # (scope, value)


def normalise_username(username: str) -> str:
    """The one spelling of a username: lower-case email, E.164 phone, else as typed
    (trimmed, lower-case), so that "+86 138…" and "138…" count as the same account."""
    username = username.strip()
    if "@" in username:
        return username.lower()
    return phones.try_normalize(username) or username.lower()


def _digest(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}\0{value}".encode()).hexdigest()


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def check(session: Session, keys: Sequence[Key], *, serialise: Key | None = None) -> None:
    """RateLimited (429) when any key has reached its limit.

    `serialise` names a key whose requests must take turns until the transaction ends
    (on PostgreSQL; SQLite's write lock already serialises every transaction): without
    it, a burst of parallel guesses at one account would all pass this check before
    the first failure is counted.
    """
    if serialise is not None and _is_postgresql(session):
        lock_id = int.from_bytes(bytes.fromhex(_digest(*serialise)[:16]), "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(lock_id)))
    now = utcnow()
    retry_after = 0
    for scope, value in keys:
        limit = limits()[scope]
        in_window = (
            ThrottleEvent.scope == scope,
            ThrottleEvent.key_digest == _digest(scope, value),
            ThrottleEvent.created_at > now - limit.window,
        )
        count = session.scalar(select(func.count()).where(*in_window)) or 0
        if count < limit.max_events:
            continue
        # Below the limit again once this many of the oldest events have left the window.
        oldest_that_matters = session.scalar(
            select(ThrottleEvent.created_at)
            .where(*in_window)
            .order_by(ThrottleEvent.created_at)
            .offset(count - limit.max_events)
            .limit(1)
        )
        if oldest_that_matters is None:  # deleted since the count: nothing to wait for
            continue
        seconds = (oldest_that_matters + limit.window - now).total_seconds()
        retry_after = max(retry_after, math.ceil(seconds), 1)
    if retry_after:
        raise RateLimited(retry_after, "attempts")


def record(session: Session, keys: Sequence[Key]) -> None:
    """Counts one event for each key (in the session's transaction)."""
    now = utcnow()
    session.add_all(
        ThrottleEvent(scope=scope, key_digest=_digest(scope, value), created_at=now)
        for scope, value in keys
    )
    session.flush()
    _prune(session, now)


def record_failure(session: Session, keys: Sequence[Key]) -> None:
    """Counts a failure and commits it at once: the error the caller raises next rolls
    the request back, and the failure must outlive that. Call it before the request
    has written anything that must not be committed."""
    if not keys:
        return
    record(session, keys)
    session.commit()


def count_attempt(session: Session, keys: Sequence[Key]) -> None:
    """Checks and counts an attempt that counts whatever its outcome, committed at
    once for the same reason as a failure."""
    check(session, keys)
    record_failure(session, keys)


def _prune(session: Session, now: datetime) -> None:
    """Deletes rows that no window reaches any more. One process at a time does it on
    PostgreSQL (two deleting the same rows could deadlock); the others skip it."""
    if _is_postgresql(session) and not session.scalar(
        select(func.pg_try_advisory_xact_lock(_PRUNE_LOCK))
    ):
        return
    longest = max(limit.window for limit in limits().values())
    session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.created_at < now - longest),
        execution_options={"synchronize_session": False},
    )


def sign_in_keys(username: str, client_ip: str | None) -> list[Key]:
    keys = [(ACCOUNT, normalise_username(username))]
    return keys + [(IP, client_ip)] if client_ip else keys
