"""The volunteer app at /app: phone-first pages for volunteers, one module per page
group (account, duties, availability, open seats, hours), on the console's base."""

from app.web.volunteer_app import account, duties

routers = (account.router, duties.router)
