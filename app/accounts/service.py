"""Accounts, sign-in and tokens.

Tokens are opaque random strings, stored as SHA-256 digests, rather than JWTs: every
request looks the token up anyway to honour revocation (log-out, password change,
withdrawal), and an opaque token can be revoked at once without a deny-list.
"""

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.accounts import passwords, throttle
from app.accounts.models import AccessToken, Account, Role
from app.accounts.security import hash_password, new_token, token_digest, verify_password
from app.db import utcnow, write_after_read
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, NotPermitted
from app.pagination import Page, PageParams, paginate
from app.settings import get_settings
from app.volunteers.models import Volunteer, VolunteerStatus

# How stale a session's last use may be written: once a minute, not on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def account_for_token(session: Session, token: str) -> Account | None:
    row = session.scalar(select(AccessToken).where(AccessToken.token_hash == token_digest(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if not row.account.is_active:
        return None
    if row.idle_minutes is not None:
        last = row.last_used_at or row.created_at
        if last + timedelta(minutes=row.idle_minutes) <= now:
            return None
        if now - last >= LAST_USE_RESOLUTION:
            write_after_read(session, _mark_used(row.id, now))
    return row.account


def _mark_used(token_id: int, now: datetime) -> Callable[[Session], None]:
    """The write of a browser session's last use. A page view reads only, so this
    follows its read transaction (app.db.write_after_read); never moves it back."""

    def mark(session: Session) -> None:
        session.execute(
            update(AccessToken)
            .where(
                AccessToken.id == token_id,
                (AccessToken.last_used_at.is_(None)) | (AccessToken.last_used_at < now),
            )
            .values(last_used_at=now)
        )

    return mark


def _account_by_username(session: Session, username: str) -> Account | None:
    """`username` as normalised by throttle.normalise_username: an email or a phone."""
    if "@" in username:
        return session.scalar(select(Account).where(Account.email == username))
    if not username.startswith("+"):
        return None
    return session.scalar(
        select(Account)
        .join(Volunteer, Volunteer.account_id == Account.id)
        .where(Volunteer.phone == username, Volunteer.status != VolunteerStatus.withdrawn)
    )


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    client_ip: str | None = None,
    roles: Collection[str] | None = None,
    idle_minutes: int | None = None,
) -> tuple[str, Account]:
    """A new token, or 401; 429 after too many failures for the username or from the
    client's address (see app.accounts.throttle). With `roles` (the console), a right
    password of an account of another role is 403 and issues no token."""
    username = throttle.normalise_username(username)
    keys = throttle.sign_in_keys(username, client_ip)
    # Guesses at one account take turns, so a parallel burst cannot pass the limit.
    throttle.check(session, keys, serialise=keys[0])
    account = _account_by_username(session, username)
    valid = verify_password(password, account.password_hash if account else None)
    if account is None or not valid or not account.is_active:
        throttle.record_failure(session, keys)
        raise NotAuthenticated("Wrong username or password.")
    if roles is not None and account.role not in roles:
        raise NotPermitted(f"A {account.role} account cannot sign in here.")
    return issue_token(session, account, idle_minutes=idle_minutes), account


def issue_token(session: Session, account: Account, *, idle_minutes: int | None = None) -> str:
    """A new bearer token; with `idle_minutes` (browser sessions) it also ends after that
    long without use."""
    token = new_token()
    ttl = timedelta(hours=get_settings().token_ttl_hours)
    session.add(
        AccessToken(
            token_hash=token_digest(token),
            account_id=account.id,
            expires_at=utcnow() + ttl,
            idle_minutes=idle_minutes,
        )
    )
    session.flush()
    return token


def revoke_token(session: Session, token: str) -> None:
    session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == token_digest(token), AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_tokens(session: Session, account_id: int) -> None:
    session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == account_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def change_password(
    session: Session, account: Account, current: str, new: str, *, client_ip: str | None = None
) -> None:
    """A wrong current password counts as a failure for the account and the client's
    address (a stolen token must not become a way to guess the password)."""
    keys = [(throttle.PASSWORD, str(account.id))]
    keys += [(throttle.IP, client_ip)] if client_ip else []
    throttle.check(session, keys, serialise=keys[0])
    if not verify_password(current, account.password_hash):
        throttle.record_failure(session, keys)
        raise InvalidInput([{"loc": ["body", "current_password"], "msg": "is not correct"}])
    phone = session.scalar(select(Volunteer.phone).where(Volunteer.account_id == account.id))
    problem = passwords.weakness(new, [account.email, account.name, phone])
    if problem is not None:
        raise InvalidInput([{"loc": ["body", "new_password"], "msg": problem}])
    account.password_hash = hash_password(new)
    revoke_all_tokens(session, account.id)


def create_account(
    session: Session,
    *,
    role: Role,
    name: str,
    password: str,
    email: str | None = None,
    districts: Sequence[District] = (),
) -> Account:
    account = Account(
        role=role,
        name=name,
        email=email.lower() if email else None,
        password_hash=hash_password(password),
        districts=list(districts),
    )
    session.add(account)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"An account with the email {email} already exists.") from None
    return account


def create_coordinator(
    session: Session, *, email: str, password: str, name: str, district_ids: list[int]
) -> Account:
    return create_account(
        session,
        role=Role.coordinator,
        name=name,
        password=password,
        email=email,
        districts=district_service.districts_by_ids(session, district_ids),
    )


def list_coordinators(session: Session, params: PageParams) -> Page[Account]:
    query = (
        select(Account)
        .where(Account.role == Role.coordinator)
        .options(selectinload(Account.districts))
        .order_by(Account.id)
    )
    return paginate(session, query, params)


def get_coordinator(session: Session, coordinator_id: int) -> Account:
    account = session.get(Account, coordinator_id)
    if account is None or account.role != Role.coordinator:
        raise NotFound(f"No coordinator {coordinator_id}.")
    return account


def update_coordinator(
    session: Session,
    coordinator_id: int,
    *,
    name: str | None = None,
    district_ids: list[int] | None = None,
    active: bool | None = None,
) -> Account:
    """Renames, moves between districts, deactivates (offboarding) or reactivates a
    coordinator; None leaves a field as it is."""
    account = get_coordinator(session, coordinator_id)
    if district_ids is not None:
        account.districts = district_service.districts_by_ids(session, district_ids)
    if name is not None:
        account.name = name
    if active is not None:
        account.is_active = active
        if not active:
            # Tokens are looked up on every request, so revoking them ends every
            # session of the coordinator now, not when they expire.
            revoke_all_tokens(session, account.id)
    session.flush()
    return account


def admin_exists(session: Session) -> bool:
    return session.scalar(select(Account.id).where(Account.role == Role.admin).limit(1)) is not None


ADMIN_NAME = "Administrator"
# Any fixed 64-bit number, the same in every process: the key of the advisory lock that
# makes starting processes take turns at creating the first admin.
_FIRST_ADMIN_LOCK = 0x75_72_6F_73_74_65_72_01  # "uroster" + 1


def create_admin(session: Session, *, email: str, password: str) -> Account:
    return create_account(session, role=Role.admin, name=ADMIN_NAME, password=password, email=email)


def ensure_admin(session: Session, *, email: str, password: str) -> Account | None:
    """Creates the first admin unless an admin exists; the new account, or None.

    Every process of `uroster serve --workers N` (and every machine of a cluster) calls
    this at start. On PostgreSQL they take turns on a transaction-scoped advisory lock,
    so each later one finds the admin its predecessor committed; on SQLite the
    transaction's BEGIN IMMEDIATE already serialises them. Should the email be taken
    anyway (a creator that did not take the lock, such as `uroster create-admin`), an
    admin that exists by now means the work is done.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_FIRST_ADMIN_LOCK)))
    if admin_exists(session):
        return None
    try:
        return create_admin(session, email=email, password=password)
    except Conflict:
        if admin_exists(session):
            return None
        raise
