"""Every table, imported once so that Alembic and relationships see the whole schema."""

from app.accounts.models import AccessToken, Account, coordinator_district
from app.certificates.models import Certificate
from app.cover.models import CoverOffer, SeatCover
from app.digests.models import DigestRun
from app.districts.models import District
from app.hours.models import HoursCorrection, ServiceHours
from app.kiosks.models import Kiosk
from app.notifications.models import NotificationPreference, OutboxMessage, SigningKey
from app.organisations.models import Organisation, organisation_district
from app.rosters.models import Assignment as RosterAssignment
from app.rosters.models import Roster
from app.shifts.models import Shift
from app.stations.models import ShiftTemplate, Station
from app.swaps.models import SwapOffer
from app.teams.models import Adoption, Team, TeamMember
from app.volunteers.models import (
    AvailabilityException,
    AvailabilityWindow,
    Volunteer,
    VolunteerSkill,
    WithdrawnPhone,
)
from app.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "AccessToken",
    "Adoption",
    "Account",
    "AvailabilityException",
    "AvailabilityWindow",
    "Certificate",
    "CoverOffer",
    "DigestRun",
    "District",
    "HoursCorrection",
    "Kiosk",
    "NotificationPreference",
    "Organisation",
    "OutboxMessage",
    "Roster",
    "RosterAssignment",
    "SeatCover",
    "ServiceHours",
    "Shift",
    "ShiftTemplate",
    "SigningKey",
    "Station",
    "SwapOffer",
    "Team",
    "TeamMember",
    "Volunteer",
    "VolunteerSkill",
    "Webhook",
    "WebhookDelivery",
    "WithdrawnPhone",
    "coordinator_district",
    "organisation_district",
]
