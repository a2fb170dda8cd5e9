from fastapi import APIRouter

from app.cover import service
from app.cover.schemas import DeclinedRead
from app.db import utcnow
from app.deps import API_PREFIX, SessionDep, VolunteerAccount
from app.types import Id

router = APIRouter(prefix=API_PREFIX, tags=["duties"])


@router.post("/shifts/{shift_id}/decline", response_model=DeclinedRead)
def decline_offer(session: SessionDep, account: VolunteerAccount, shift_id: Id):
    """I say no to the seat I was offered at short notice (taking it is
    `POST /shifts/{id}/signup`); 404 without an unanswered offer of that shift."""
    cover = service.decline(session, account, shift_id, utcnow())
    return DeclinedRead(shift_id=shift_id, state="declined", next_wave_at=cover.next_wave_at)
