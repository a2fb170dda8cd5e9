from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.deps import API_PREFIX, AdminAccount, SessionDep
from app.pagination import PageDep, PageRead
from app.types import Id
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryRead,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

router = APIRouter(prefix=API_PREFIX, tags=["webhooks"])


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(session: SessionDep, _: AdminAccount, body: WebhookCreate):
    """Registers a receiver of the given events; its secret is shown in this answer only."""
    return WebhookCreated.model_validate(
        service.create_webhook(session, body), from_attributes=True
    )


@router.get("/webhooks", response_model=PageRead[WebhookRead])
def list_webhooks(session: SessionDep, _: AdminAccount, page: PageDep):
    return service.list_webhooks(session, page)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(session: SessionDep, _: AdminAccount, webhook_id: Id):
    """Stops the webhook at once; what it has not been sent yet is given up."""
    service.delete_webhook(session, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=PageRead[DeliveryRead])
def list_deliveries(
    session: SessionDep,
    _: AdminAccount,
    webhook_id: Id,
    page: PageDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
):
    """Newest first; `?status=dead` lists those given up."""
    found = service.list_deliveries(session, webhook_id, page, delivery_status)
    items = [
        DeliveryRead(
            id=delivery.id,
            event=delivery.event,
            status=service.delivery_status(delivery),
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
        )
        for delivery in found.items
    ]
    return PageRead[DeliveryRead](items=items, total=found.total)
