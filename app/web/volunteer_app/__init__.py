"""The volunteer app at /app: phone-first pages for volunteers, one module per page
group (account, duties, availability, open seats, swaps, hours, certificates, teams),
on the console's base."""

from app.web.volunteer_app import (
    account,
    availability,
    certificates,
    duties,
    hours,
    open_seats,
    swaps,
    teams,
)

routers = (
    account.router,
    duties.router,
    availability.router,
    open_seats.router,
    swaps.router,
    hours.router,
    certificates.router,
    teams.router,
)
