"""Read queries of deal registration; partner-facing ones go through programs.tenancy."""

from django.db.models import QuerySet
from wagtail.models import Locale

from programs.models import ProductLine
from programs.tenancy import get_scoped_or_404, scoped

from .models import DealEvent, DealRegistration


def deal_list(*, user) -> QuerySet[DealRegistration]:
    """The registrations ``user`` may see, most recent first."""
    return scoped(DealRegistration.objects.all(), user).order_by("-submitted_at", "-pk")


def deal_get(*, user, pk: int) -> DealRegistration:
    """One registration the user may see, else 404 (also another tenant's id)."""
    return get_scoped_or_404(DealRegistration.objects.select_related("organization__tier", "submitted_by"), user, pk=pk)


def deal_timeline(*, deal: DealRegistration) -> QuerySet[DealEvent]:
    """The partner's view of the audit trail: what happened and the partner-safe note."""
    return deal.events.only("at", "kind", "partner_note", "deal_id").order_by("at", "pk")


def product_line_choices() -> QuerySet[ProductLine]:
    """Product lines a registration can name (the default locale's rows)."""
    return ProductLine.objects.filter(locale=Locale.get_default()).order_by("name")
