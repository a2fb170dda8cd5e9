"""The volunteer app at /app: phone-first pages for volunteers, one module per page
group (account, duties, availability, open seats, hours), on the console's base."""

from app.web.volunteer_app import (
    account,
    availability,
    certificates,
    duties,
    hours,
    open_seats,
)

routers = (
    account.router,
    duties.router,
    availability.router,
    open_seats.router,
    hours.router,
    certificates.router,
)
