"""`?limit=&offset=` in, `{items, total}` out, the same for every list."""

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int


class PageRead(BaseModel, Generic[T]):
    items: list[T]
    total: int


def paginate(session: Session, query: Select, params: PageParams) -> Page:
    """Runs `query` (already ordered) for one page and counts all its rows. A page
    that ends before its limit says the total itself: most lists of one person's
    things fit on their first page, and the count is then a statement saved."""
    items = list(session.scalars(query.limit(params.limit).offset(params.offset)))
    if len(items) < params.limit and (items or params.offset == 0):
        return Page(items=items, total=params.offset + len(items))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return Page(items=items, total=total or 0)
