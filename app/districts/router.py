from fastapi import APIRouter, status

from app.deps import API_PREFIX, AdminAccount, CurrentAccount, SessionDep
from app.districts import service
from app.districts.schemas import DistrictCreate, DistrictRead
from app.pagination import PageDep, PageRead

router = APIRouter(prefix=API_PREFIX, tags=["districts"])


@router.post("/districts", response_model=DistrictRead, status_code=status.HTTP_201_CREATED)
def create_district(session: SessionDep, admin: AdminAccount, body: DistrictCreate):
    return service.create_district(session, body)


@router.get("/districts", response_model=PageRead[DistrictRead])
def list_districts(session: SessionDep, account: CurrentAccount, page: PageDep):
    return service.list_districts(session, page)
