"""Every table, imported once so that Alembic and relationships see the whole schema."""

from app.accounts.models import AccessToken, Account, coordinator_district
from app.certificates.models import Certificate
from app.cover.models import CoverOffer, SeatCover
from app.digests.models import DigestRun
from app.districts.models import District
from app.hours.models import HoursCorrection, ServiceHours
from app.kiosks.models import Kiosk
from app.notifications.models import NotificationPreference, OutboxMessage, SigningKey
from app.rosters.models import Assignment as RosterAssignment
from app.rosters.models import Roster
from app.shifts.models import Shift
from app.stations.models import ShiftTemplate, Station
from app.swaps.models import SwapOffer
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
    "Volunteer",
    "VolunteerSkill",
    "Webhook",
    "WebhookDelivery",
    "WithdrawnPhone",
    "coordinator_district",
]
