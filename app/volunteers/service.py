from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from app.accounts import security, throttle
from app.accounts import service as account_service
from app.accounts.models import Account, Role
from app.db import utcnow
from app.districts import service as district_service
from app.districts.models import District
from app.errors import Conflict, InvalidInput, NotFound
from app.notifications import changes as change_notices
from app.pagination import Page, PageParams, paginate
from app.rosters.models import Assignment, AssignmentStatus, Roster, RosterStatus
from app.settings import get_settings
from app.shifts.models import Shift
from app.stations.models import Station
from app.volunteers.models import (
    AvailabilityException,
    AvailabilityMode,
    AvailabilityWindow,
    Volunteer,
    VolunteerSkill,
    VolunteerStatus,
    WithdrawnPhone,
)
from app.volunteers.schemas import (
    Availability,
    Invitation,
    VolunteerAdminUpdate,
    VolunteerRegister,
    VolunteerUpdate,
)

WITHDRAWN_NAME = "(withdrawn)"


def _check_references(
    session: Session, district_id: int | None, station_ids: list[int] | None
) -> None:
    errors = []
    if district_id is not None and session.get(District, district_id) is None:
        errors.append({"loc": ["body", "district_id"], "msg": f"unknown district {district_id}"})
    if station_ids:
        known = set(session.scalars(select(Station.id).where(Station.id.in_(station_ids))))
        unknown = sorted(set(station_ids) - known)
        if unknown:
            errors.append(
                {"loc": ["body", "preferred_station_ids"], "msg": f"unknown stations {unknown}"}
            )
    if errors:
        raise InvalidInput(errors)


def _flush_unique_phone(session: Session, phone: str | None) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"The phone number {phone} is already registered.") from None


def _phone_taken(session: Session, phone: str, volunteer_id: int | None = None) -> bool:
    query = select(Volunteer.id).where(Volunteer.phone == phone)
    if volunteer_id is not None:
        query = query.where(Volunteer.id != volunteer_id)
    return session.scalar(query) is not None


def register(
    session: Session, data: VolunteerRegister, *, client_ip: str | None = None
) -> Volunteer:
    """A new volunteer, or with an invitation code the imported record it names: the
    account joins that record, and only what the body sends replaces what was imported.
    With `client_ip` (requests), the attempt counts against the address's registrations
    and a wrong code as a failure (app.accounts.throttle)."""
    if client_ip is not None:
        throttle.count_attempt(session, [(throttle.REGISTER, client_ip)])
    claiming = data.invitation_code is not None
    volunteer = (
        _invited(session, data.invitation_code, client_ip)
        if data.invitation_code is not None
        else Volunteer(status=VolunteerStatus.active)
    )
    if _phone_taken(session, data.phone, volunteer.id):
        raise Conflict(f"The phone number {data.phone} is already registered.")
    _check_references(session, data.district_id, data.preferred_station_ids)
    account = account_service.create_account(
        session, role=Role.volunteer, name=data.name, password=data.password
    )
    volunteer.account_id = account.id
    volunteer.privacy_notice_accepted_at = utcnow()
    if claiming:
        change_notices.retract_invitations(
            session, volunteer.id, "Not sent: the record was claimed with its code."
        )
    volunteer.invitation_hash = volunteer.invitation_expires_at = None
    changes = data.model_dump(
        exclude_unset=claiming, exclude={"password", "accept_privacy_notice", "invitation_code"}
    )
    _apply_changes(volunteer, changes)
    session.add(volunteer)
    _flush_unique_phone(session, data.phone)
    # Whoever registers again with their own phone may be imported again.
    session.execute(
        delete(WithdrawnPhone).where(WithdrawnPhone.phone_digest == phone_digest(data.phone))
    )
    return volunteer


def invite(session: Session, volunteer: Volunteer) -> Invitation:
    """A new one-time code with which the person behind an imported record registers;
    it replaces any earlier code for the record."""
    if volunteer.status == VolunteerStatus.withdrawn:
        raise Conflict("A withdrawn volunteer cannot be invited.")
    if volunteer.account_id is not None:
        raise Conflict(f"Volunteer {volunteer.id} already has an account.")
    code = security.new_invitation_code()
    volunteer.invitation_hash = security.invitation_digest(code)
    volunteer.invitation_expires_at = utcnow() + timedelta(days=get_settings().invitation_ttl_days)
    session.flush()
    # The code reaches the person by e-mail too, if the record has an address.
    change_notices.invitation_created(session, volunteer, code, volunteer.invitation_expires_at)
    return Invitation(
        volunteer_id=volunteer.id, code=code, expires_at=volunteer.invitation_expires_at
    )


def _invited(session: Session, code: str, client_ip: str | None) -> Volunteer:
    """The unclaimed record an invitation code names, or a 422 that counts as a failure
    from the client's address (codes are long, but guessing must not be free)."""
    keys = [(throttle.IP, client_ip)] if client_ip else []
    throttle.check(session, keys)
    volunteer = session.scalar(
        select(Volunteer).where(Volunteer.invitation_hash == security.invitation_digest(code))
    )
    if (
        volunteer is None
        or volunteer.account_id is not None
        or volunteer.status == VolunteerStatus.withdrawn
        # Codes are always issued with an expiry; one without is not honoured.
        or volunteer.invitation_expires_at is None
        or volunteer.invitation_expires_at <= utcnow()
    ):
        throttle.record_failure(session, keys)
        message = "unknown, used or expired invitation code; ask your coordinator for a new one"
        raise InvalidInput([{"loc": ["body", "invitation_code"], "msg": message}])
    return volunteer


def _apply_changes(volunteer: Volunteer, changes: dict) -> None:
    """Copies the sent fields onto the record (home into its two columns, skills into rows)."""
    if "home" in changes:
        home = changes.pop("home")
        volunteer.home_lat = home["lat"] if home else None
        volunteer.home_lon = home["lon"] if home else None
    if "skills" in changes:
        skills = changes.pop("skills") or []
        volunteer.skill_rows = [VolunteerSkill(skill=s) for s in skills]
    for field, value in changes.items():
        setattr(volunteer, field, value)


def volunteer_of(session: Session, account: Account) -> Volunteer:
    """The caller's own volunteer record; its skills load when read (most personal
    reads never do)."""
    volunteer = session.scalar(
        select(Volunteer)
        .where(Volunteer.account_id == account.id)
        .options(lazyload(Volunteer.skill_rows))
    )
    if volunteer is None:
        raise NotFound("This account has no volunteer profile.")
    return volunteer


def get_volunteer_in_scope(session: Session, account: Account, volunteer_id: int) -> Volunteer:
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or not _visible_to(account, volunteer):
        raise NotFound(f"Volunteer {volunteer_id} not found.")
    return volunteer


def _visible_to(account: Account, volunteer: Volunteer) -> bool:
    return district_service.in_scope(account, volunteer.district_id)


def update(
    session: Session,
    account: Account,
    volunteer: Volunteer,
    data: VolunteerUpdate | VolunteerAdminUpdate,
) -> Volunteer:
    if volunteer.status == VolunteerStatus.withdrawn:
        raise Conflict("A withdrawn volunteer cannot be changed.")
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "phone", "status"):
        if required in changes and changes[required] is None:
            raise InvalidInput([{"loc": ["body", required], "msg": "must not be null"}])
    if "preferred_station_ids" in changes and changes["preferred_station_ids"] is None:
        changes["preferred_station_ids"] = []
    # A coordinator may move a volunteer only between their own districts.
    moving_out = "district_id" in changes and not district_service.in_scope(
        account, changes["district_id"]
    )
    if moving_out and account.role == Role.coordinator:
        raise NotFound(f"District {changes['district_id']} not found.")
    _check_references(session, changes.get("district_id"), changes.get("preferred_station_ids"))
    if "district_id" in changes and changes["district_id"] != volunteer.district_id:
        _refuse_move_with_duties(session, volunteer)
    if "phone" in changes and _phone_taken(session, changes["phone"], volunteer.id):
        raise Conflict(f"The phone number {changes['phone']} is already registered.")
    _apply_changes(volunteer, changes)
    if "name" in changes and volunteer.account_id is not None:
        session.get_one(Account, volunteer.account_id).name = changes["name"]
    _flush_unique_phone(session, volunteer.phone)
    return volunteer


def _refuse_move_with_duties(session: Session, volunteer: Volunteer) -> None:
    """A volunteer leaves a district only once its rosters no longer count on them:
    their duties would stay behind where the old coordinator can no longer see them."""
    rows = session.execute(
        select(Assignment.id, Shift.starts_at, Station.name, Station.timezone)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Station, Station.id == Shift.station_id)
        .join(Roster, Roster.id == Assignment.roster_id)
        .where(
            Assignment.volunteer_id == volunteer.id,
            Assignment.status == AssignmentStatus.scheduled,
            Roster.status.in_((RosterStatus.draft, RosterStatus.published)),
            Shift.starts_at > utcnow(),
        )
        .order_by(Shift.starts_at)
    ).all()
    if rows:
        duties = "; ".join(
            f"{name} {starts_at.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"
            for _, starts_at, name, timezone in rows
        )
        raise Conflict(
            f"The volunteer holds {len(rows)} future duties in their district ({duties}); "
            "cancel them (or let them pass) before changing the district.",
            reason="future_duties",
            assignment_ids=[assignment_id for assignment_id, *_ in rows],
        )


def set_availability(session: Session, volunteer: Volunteer, data: Availability) -> Volunteer:
    """Replaces the whole availability in the request's one transaction."""
    if volunteer.status == VolunteerStatus.withdrawn:
        raise Conflict("A withdrawn volunteer has no availability.")
    volunteer.availability_mode = AvailabilityMode(data.availability_mode)
    volunteer.weekly = [AvailabilityWindow(**w.model_dump()) for w in data.weekly]
    volunteer.exceptions = [AvailabilityException(**e.model_dump()) for e in data.exceptions]
    session.flush()
    return volunteer


def availability_of(volunteer: Volunteer) -> Availability:
    return Availability.model_validate(
        {
            "availability_mode": volunteer.availability_mode,
            "weekly": [
                {"weekday": w.weekday, "start": w.start, "end": w.end, "preference": w.preference}
                for w in volunteer.weekly
            ],
            "exceptions": [
                {"start_date": e.start_date, "end_date": e.end_date} for e in volunteer.exceptions
            ],
        }
    )


def phone_digest(phone: str) -> str:
    """What is kept of a withdrawn volunteer's phone: enough to recognise the number in
    a later import, not to read it back from the record."""
    return security.token_digest(phone)


def withdraw(session: Session, volunteer: Volunteer) -> None:
    """Erases personal data and closes the account; the record and its hours stay."""
    if (
        volunteer.phone is not None
        and session.get(WithdrawnPhone, phone_digest(volunteer.phone)) is None
    ):
        session.add(WithdrawnPhone(phone_digest=phone_digest(volunteer.phone)))
    volunteer.status = VolunteerStatus.withdrawn
    volunteer.withdrawn_at = utcnow()
    volunteer.name = WITHDRAWN_NAME
    volunteer.phone = None
    volunteer.email = None
    volunteer.home_lat = volunteer.home_lon = None
    volunteer.preferred_station_ids = []
    volunteer.skill_rows = []
    volunteer.weekly = []
    volunteer.exceptions = []
    if volunteer.account_id is not None:
        # A foreign key, and accounts are deactivated, never deleted.
        account = session.get_one(Account, volunteer.account_id)
        account.is_active = False
        account.password_hash = None
        account.name = WITHDRAWN_NAME
        account_service.revoke_all_tokens(session, account.id)
    session.flush()


def list_volunteers(
    session: Session,
    account: Account,
    params: PageParams,
    *,
    district_id: int | None,
    skill: str | None,
    status: str | None,
    search: str | None = None,
) -> Page[Volunteer]:
    """`search` finds a part of the name (any case) or of the phone number (its digits)."""
    query = select(Volunteer).order_by(Volunteer.id)
    if district_id is not None:
        district_service.get_district_in_scope(session, account, district_id)
        query = query.where(Volunteer.district_id == district_id)
    else:
        scope = district_service.visible_district_ids(account)
        if scope is not None:
            query = query.where(Volunteer.district_id.in_(scope))
    if skill is not None:
        query = query.where(
            Volunteer.id.in_(
                select(VolunteerSkill.volunteer_id).where(VolunteerSkill.skill == skill)
            )
        )
    if status is not None:
        query = query.where(Volunteer.status == status)
    if search and search.strip():
        found = Volunteer.name.icontains(search.strip(), autoescape=True)
        digits = "".join(c for c in search if c.isdigit())
        if digits:
            found = or_(found, Volunteer.phone.contains(digits))
        query = query.where(found)
    return paginate(session, query, params)


def skills_in_scope(session: Session, account: Account) -> list[str]:
    """The skills the caller's volunteers have, for a filter to choose from."""
    query = select(VolunteerSkill.skill).distinct().order_by(VolunteerSkill.skill)
    scope = district_service.visible_district_ids(account)
    if scope is not None:
        query = query.join(Volunteer, Volunteer.id == VolunteerSkill.volunteer_id).where(
            Volunteer.district_id.in_(scope)
        )
    return list(session.scalars(query))
