"""Reads of the webhooks app."""

from django.db.models import Q, QuerySet

from .models import WebhookEndpoint


def endpoints_subscribed(*, organization_id: int) -> QuerySet[WebhookEndpoint]:
    """Active endpoints told about the organization's events: its own and the vendor's."""
    return WebhookEndpoint.objects.filter(
        Q(organization_id=organization_id) | Q(organization__isnull=True), is_active=True
    ).order_by("pk")
