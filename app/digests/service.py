"""The coordinators' daily digest: shifts still short of people within 48 hours,
notifications given up, and roster jobs that failed. Each coordinator gets their own
districts' digest by e-mail; the office's chat bots (Apprise URLs) get every district's.
The digest names stations, times and counts, never volunteers."""

import html
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Account, Role
from app.db import utcnow
from app.digests.models import DigestRun
from app.districts.models import District
from app.notifications import mail
from app.notifications.models import OutboxMessage
from app.rosters.models import LIVE_STATUSES, Assignment, JobStatus, Roster, RosterStatus
from app.settings import Settings, get_settings
from app.shifts import service as shift_service
from app.shifts.models import Shift
from app.stations.models import Station
from app.volunteers.models import Volunteer
from app.webhooks.models import WebhookDelivery

log = logging.getLogger(__name__)

SHORT_NOTICE = timedelta(hours=48)
# A notification is given up within hours of being recorded (10 attempts take about 3 h):
# two days of them means none is missed and each is reported at most twice.
GIVEN_UP_WINDOW = timedelta(hours=48)
FAILED_JOB_WINDOW = timedelta(hours=24)
# Dead rows whose reason starts so were not failures but left unsent on purpose (a week
# that was over, a deleted webhook).
NOT_SENT_ON_PURPOSE = "Not sent:"


@dataclass
class ShortShift:
    station: str
    starts_at: datetime  # local time of the station
    ends_at: datetime
    missing: int


@dataclass
class DistrictDigest:
    name: str
    short_shifts: list[ShortShift] = field(default_factory=list)
    emails_given_up: int = 0
    webhook_deliveries_given_up: int = 0
    failed_jobs: list[str] = field(default_factory=list)  # "2026-W50: reason"

    def is_empty(self) -> bool:
        return not (
            self.short_shifts
            or self.emails_given_up
            or self.webhook_deliveries_given_up
            or self.failed_jobs
        )


def gather(session: Session, now: datetime) -> dict[int, DistrictDigest]:
    """Every district's digest at `now`, by district id."""
    digests = {
        district.id: DistrictDigest(district.name)
        for district in session.scalars(select(District).order_by(District.name))
    }
    shifts = session.scalars(
        select(Shift)
        .join(Station, Station.id == Shift.station_id)
        .where(
            shift_service.in_service(),
            Shift.starts_at > now,
            Shift.starts_at <= now + SHORT_NOTICE,
        )
        .order_by(Shift.starts_at, Shift.id)
    ).all()
    held = Counter(
        dict(
            session.execute(
                select(Assignment.shift_id, func.count())
                .join(Roster, Roster.id == Assignment.roster_id)
                .where(
                    Assignment.shift_id.in_([s.id for s in shifts]),
                    Assignment.status.in_(LIVE_STATUSES),
                    Roster.status == RosterStatus.published,
                )
                .group_by(Assignment.shift_id)
            ).all()
        )
    )
    for shift in shifts:
        missing = shift.min_volunteers - held[shift.id]
        if missing > 0:
            zone = ZoneInfo(shift.station.timezone)
            digests[shift.station.district_id].short_shifts.append(
                ShortShift(
                    shift.station.name,
                    shift.starts_at.astimezone(zone),
                    shift.ends_at.astimezone(zone),
                    missing,
                )
            )
    since = now - GIVEN_UP_WINDOW
    for district_id, count in _given_up_by_district(session, OutboxMessage, since):
        digests[district_id].emails_given_up = count
    for district_id, count in _given_up_by_district(session, WebhookDelivery, since):
        digests[district_id].webhook_deliveries_given_up = count
    for roster in session.scalars(
        select(Roster)
        .where(Roster.job_status == JobStatus.failed, Roster.finished_at >= now - FAILED_JOB_WINDOW)
        .order_by(Roster.finished_at)
    ):
        digests[roster.district_id].failed_jobs.append(f"{roster.week}: {roster.error or ''}")
    return digests


def _given_up_by_district(
    session: Session, model: type[OutboxMessage] | type[WebhookDelivery], since: datetime
) -> list[tuple[int, int]]:
    """Messages to volunteers recorded since `since` and given up, counted by district."""
    rows = session.execute(
        select(Volunteer.district_id, func.count())
        .join(model, model.volunteer_id == Volunteer.id)
        .where(
            model.dead.is_(True),
            model.created_at >= since,
            ~func.coalesce(model.last_error, "").startswith(NOT_SENT_ON_PURPOSE),
            Volunteer.district_id.is_not(None),
        )
        .group_by(Volunteer.district_id)
    )
    return [(district_id, count) for district_id, count in rows if district_id is not None]


def render(day: date, digests: list[DistrictDigest]) -> tuple[str, str]:
    """Subject and plain text, Chinese first and English (coordinators of one office
    share one digest; the mail texts of volunteers are per language)."""
    subject = f"U-Roster 每日摘要 / daily digest {day.isoformat()}"
    lines = [subject, ""]
    for digest in digests:
        if digest.is_empty():
            continue
        lines.append(f"== {digest.name} ==")
        if digest.short_shifts:
            lines.append("48 小时内仍缺人的班次 / Shifts still short within 48 h:")
            for short in digest.short_shifts:
                lines.append(
                    f"- {short.starts_at:%m-%d %H:%M}–{short.ends_at:%H:%M} {short.station}: "
                    f"缺 {short.missing} 人 / {short.missing} short"
                )
        if digest.emails_given_up or digest.webhook_deliveries_given_up:
            lines.append(
                "48 小时内放弃的通知 / Notifications given up in 48 h: "
                f"e-mail {digest.emails_given_up}, webhook {digest.webhook_deliveries_given_up}"
            )
        if digest.failed_jobs:
            lines.append("24 小时内失败的排班任务 / Roster jobs failed in 24 h:")
            lines.extend(f"- {job}" for job in digest.failed_jobs)
        lines.append("")
    return subject, "\n".join(lines).rstrip() + "\n"


def _coordinators(session: Session) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .where(
                Account.role == Role.coordinator,
                Account.is_active.is_(True),
                Account.email.is_not(None),
            )
            .options(selectinload(Account.districts))
            .order_by(Account.id)
        )
    )


def _digest_due(settings: Settings, now: datetime) -> date | None:
    """Today's local date once the digest time has come, else None."""
    zone = ZoneInfo(settings.default_timezone)
    day = now.astimezone(zone).date()
    hour, minute = map(int, settings.digest_time.split(":"))
    return day if now >= datetime.combine(day, time(hour, minute), zone) else None


def _send_mails(
    settings: Settings, mails: list[tuple[Account, str, str]], day: date
) -> tuple[int, str | None]:
    """Sends each coordinator's digest; returns how many went and the first error."""
    sent = 0
    with mail.Mailer(settings) as mailer:
        for account, subject, text in mails:
            assert account.email is not None
            composed = mail.compose(
                mail.Rendered(subject, text, f"<pre>{html.escape(text)}</pre>"),
                to_name=account.name,
                to_address=account.email,
                idempotency_key=f"digest:{day.isoformat()}:{account.id}",
                mail_from=settings.mail_from,
            )
            try:
                mailer.send(composed)
            except (aiosmtplib.SMTPException, OSError) as error:
                # The error's type only: a server's reply can quote the address.
                return sent, f"e-mail: {len(mails) - sent} not sent ({type(error).__name__})"
            sent += 1
    return sent, None


def _send_chat(urls: str, subject: str, text: str) -> bool:
    import apprise  # here, not at start-up: it loads a hundred services' modules

    bots = apprise.Apprise()
    if not bots.add(urls.replace(",", " ").split()):
        return False
    return bool(bots.notify(body=text, title=subject))


def send_due(session: Session, now: datetime) -> DigestRun | None:
    """Sends today's digest if its time has come and nobody has sent it; returns the
    day's record when this call sent it. Time is an argument (tests say the time)."""
    settings = get_settings()
    if settings.smtp_host is None and not settings.digest_apprise_urls.strip():
        return None  # no channel yet: a channel configured later today still gets it
    day = _digest_due(settings, now)
    if day is None or session.get(DigestRun, day) is not None:
        return None
    run = DigestRun(day=day, started_at=utcnow(), mails_sent=0, chat_sent=False)
    session.add(run)
    try:
        session.commit()  # the day is ours before anything is sent
    except IntegrityError:
        session.rollback()  # another worker took it
        return None
    digests = gather(session, now)
    errors = []
    mails = []
    for account in _coordinators(session):
        own = [digests[d] for d in account.district_ids if d in digests]
        if any(not digest.is_empty() for digest in own):
            mails.append((account, *render(day, own)))
    if mails and settings.smtp_host is not None:
        run.mails_sent, mail_error = _send_mails(settings, mails, day)
        if mail_error is not None:
            errors.append(mail_error)
    everything = list(digests.values())
    if settings.digest_apprise_urls.strip() and not all(d.is_empty() for d in everything):
        run.chat_sent = _send_chat(settings.digest_apprise_urls, *render(day, everything))
        if not run.chat_sent:
            errors.append("chat: Apprise could not notify every URL")
    run.error = "; ".join(errors)[:2000] or None
    run.finished_at = utcnow()
    session.commit()
    if errors:
        log.warning("Digest of %s: %s", day, run.error)
    return run
