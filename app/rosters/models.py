from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow
from app.shifts.models import Shift


class RosterStatus(StrEnum):
    queued = "queued"
    solving = "solving"
    draft = "draft"
    published = "published"
    superseded = "superseded"
    failed = "failed"


ACTIVE_STATUSES = (RosterStatus.queued, RosterStatus.solving)


class JobKind(StrEnum):
    solve = "solve"
    repair = "repair"


class JobStatus(StrEnum):
    """The roster's job, apart from what the roster is: a repair runs on a published one."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


ACTIVE_JOB_STATUSES = (JobStatus.queued, JobStatus.running)


class AssignmentStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"
    checked_in = "checked_in"
    completed = "completed"
    no_show = "no_show"


# A duty in one of these holds its seat; a cancelled one or a no-show does not.
LIVE_STATUSES = (
    AssignmentStatus.scheduled,
    AssignmentStatus.checked_in,
    AssignmentStatus.completed,
)


class AssignmentSource(StrEnum):
    solver = "solver"
    manual = "manual"
    signup = "signup"
    # Taken over from another volunteer (app/swaps): the duty moved, it was not added.
    swap = "swap"


class Roster(Base):
    """One district × one ISO week, and the solver job that fills it."""

    __tablename__ = "roster"
    __table_args__ = (
        # At most one roster of a district-week is queued or solving at a time: a
        # second request finds it instead of starting another job.
        Index(
            "uq_roster_active_district_week",
            "district_id",
            "week",
            unique=True,
            sqlite_where=text("status IN ('queued', 'solving')"),
            postgresql_where=text("status IN ('queued', 'solving')"),
        ),
        # A district-week's rosters (its published one above all): open seats, sign-ups,
        # publishing, the console. Also serves what an index on district_id alone did.
        Index("ix_roster_district_id_week", "district_id", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    week: Mapped[str] = mapped_column(String(8))
    status: Mapped[RosterStatus] = mapped_column(
        StrEnumType(RosterStatus, 20), default=RosterStatus.queued
    )
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    time_limit_seconds: Mapped[float]
    # The job: a solve fills a new roster; a repair refills a published one in place.
    job_kind: Mapped[JobKind] = mapped_column(StrEnumType(JobKind, 10), default=JobKind.solve)
    job_status: Mapped[JobStatus | None] = mapped_column(StrEnumType(JobStatus, 20))
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[dict | None] = mapped_column(JSONType)
    stats: Mapped[dict | None] = mapped_column(JSONType)
    unfilled: Mapped[list | None] = mapped_column(JSONType)
    changed_volunteer_ids: Mapped[list | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Assignment(Base):
    """A volunteer on a shift in a roster."""

    __tablename__ = "assignment"
    __table_args__ = (
        # A volunteer holds a shift at most once in a roster, cancelled entries aside.
        Index(
            "uq_assignment_live_roster_shift_volunteer",
            "roster_id",
            "shift_id",
            "volunteer_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        # Duties still `scheduled`: the current and coming ones, a small part of a table
        # that keeps every past duty. The no-show sweep of every duty board, hours page
        # and report looks for ended ones among them.
        Index(
            "ix_assignment_scheduled_shift_id",
            "shift_id",
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(
        StrEnumType(AssignmentStatus, 20), default=AssignmentStatus.scheduled
    )
    source: Mapped[AssignmentSource] = mapped_column(
        StrEnumType(AssignmentSource, 20), default=AssignmentSource.solver
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    # Presence as the station's kiosk recorded it (never rewritten by corrections).
    check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shift: Mapped[Shift] = relationship(lazy="joined")
