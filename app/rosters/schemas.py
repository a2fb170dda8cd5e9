from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.cover.schemas import CoverRead
from app.types import Id, IsoWeek


class RosterRequest(BaseModel):
    district_id: Id
    week: IsoWeek
    time_limit_seconds: float | None = Field(
        default=None, gt=0, le=600, description="Solver time limit; default from settings."
    )


class RosterStats(BaseModel):
    seats_required: int = Field(description="Sum of the shifts' minimum headcounts.")
    seats_filled: int = Field(description="Live assignments of the roster.")
    seats_missing: int = Field(description="Seats still open below the minimum headcounts.")
    coverage: float = Field(description="seats_filled / seats_required")
    objective: int | None = None
    objective_by_rule: dict[str, int] = Field(default_factory=dict)
    best_bound: float | None = None
    gap: float | None = None
    solver_status: str | None = None
    solve_seconds: float | None = None
    first_solution_seconds: float | None = None


class RosterProgress(BaseModel):
    elapsed_seconds: float
    best_objective: float | None
    best_bound: float | None
    seats_filled: int | None = Field(default=None, description="In the best roster so far.")
    coverage: float | None = Field(default=None, description="seats_filled / seats_required")
    job: str = Field(description="solve or repair")


class RosterRead(BaseModel):
    id: int
    district_id: int
    week: str
    status: str
    progress: RosterProgress | None = None
    stats: RosterStats
    error: str | None = None
    job_kind: str
    job_status: str | None
    attempts: int
    changed_volunteer_ids: list[int] = Field(
        default_factory=list, description="Volunteers whose duties the last repair changed."
    )
    created_at: datetime
    finished_at: datetime | None
    published_at: datetime | None


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    roster_id: int
    shift_id: int
    station_id: int
    volunteer_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    source: str
    pinned: bool


class UnfilledRead(BaseModel):
    shift_id: int
    station_id: int
    starts_at: datetime
    ends_at: datetime
    missing: int
    missing_skills: dict[str, int]
    reasons: list[str]
    cover: CoverRead | None = Field(
        default=None,
        description="the short-notice cover of the seat, if it opened within "
        "UROSTER_COVER_NOTICE_HOURS of its start",
    )


class ManualAssignment(BaseModel):
    shift_id: Id
    volunteer_id: Id
    pinned: bool = False


class HistoryItemRead(BaseModel):
    at: datetime
    kind: str = Field(
        description="signup, added (by a coordinator), repair (refilled by a repair), swap "
        "(volunteer_id took the duty over from other_volunteer_id) or cancelled (also a "
        "coordinator's removal and a shift's deletion; `reason` and `by` say which)."
    )
    assignment_id: int
    shift_id: int
    station_id: int
    starts_at: datetime
    ends_at: datetime
    volunteer_id: int
    volunteer_name: str
    other_volunteer_id: int | None = None
    other_volunteer_name: str | None = None
    reason: str | None = None
    by: str | None = Field(
        default=None,
        description="For a cancellation, the role of who cancelled (volunteer, coordinator, "
        "admin); null when the service did (a repair, a volunteer's withdrawal).",
    )
