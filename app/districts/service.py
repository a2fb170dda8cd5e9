from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Account, Role
from app.districts.models import District
from app.districts.schemas import DistrictCreate
from app.errors import Conflict, InvalidInput, NotFound
from app.pagination import Page, PageParams, paginate


def visible_district_ids(account: Account) -> set[int] | None:
    """The districts a coordinator may act in; None means every district (admin)."""
    if account.role == Role.admin:
        return None
    if account.role == Role.coordinator:
        return set(account.district_ids)
    return set()


def in_scope(account: Account, district_id: int | None) -> bool:
    scope = visible_district_ids(account)
    return scope is None or (district_id is not None and district_id in scope)


def get_district_in_scope(session: Session, account: Account, district_id: int) -> District:
    """The district, or 404 when it does not exist or lies outside the caller's districts."""
    district = session.get(District, district_id)
    if district is None or not in_scope(account, district.id):
        raise NotFound(f"District {district_id} not found.")
    return district


def create_district(session: Session, data: DistrictCreate) -> District:
    district = District(code=data.code, name=data.name)
    session.add(district)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"A district with code {data.code!r} already exists.") from None
    return district


def list_districts(session: Session, params: PageParams) -> Page[District]:
    return paginate(session, select(District).order_by(District.id), params)


def district_ids_by_code(session: Session) -> dict[str, int]:
    return {code: id_ for id_, code in session.execute(select(District.id, District.code))}


def districts_by_ids(session: Session, district_ids: list[int]) -> list[District]:
    """The districts a request names in `district_ids` (a coordinator's, an
    organisation's); an unknown id is a 422 on that field."""
    districts = list(session.scalars(select(District).where(District.id.in_(district_ids))))
    missing = sorted(set(district_ids) - {d.id for d in districts})
    if missing:
        raise InvalidInput(
            [{"loc": ["body", "district_ids"], "msg": f"unknown district ids: {missing}"}]
        )
    return districts
