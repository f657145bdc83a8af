"""Partners hear about confirmed or rejected deal outcomes through the
notification centre (deals sits below support and calls this through the
listener it registers in ``SupportConfig.ready``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from deals.models import DealEventKind, DealStatus

from ..models import NotificationCategory
from .notifications import notification_send

TITLE = _("Deal registration %(company)s: %(status)s")
CONFIRMED_WON = _("Confirmed: it now counts toward your tier and incentives.")
CONFIRMED_LOST = _("Confirmed as lost.")


def deal_outcome_notice(*, event) -> bool:
    """Notify the submitter of a confirmed or rejected outcome, in their
    language; False when there is no one to tell (the deals app then e-mails
    the organization's contact)."""
    deal = event.deal
    recipient = deal.submitted_by
    if event.kind not in (DealEventKind.OUTCOME_CONFIRMED, DealEventKind.OUTCOME_REJECTED) or recipient is None:
        return False
    if event.kind == DealEventKind.OUTCOME_REJECTED:
        status, body = DealEventKind.OUTCOME_REJECTED.label, event.partner_note
    else:
        won = deal.status == DealStatus.WON
        status, body = DealStatus(deal.status).label, CONFIRMED_WON if won else CONFIRMED_LOST
    notification = notification_send(
        recipient=recipient,
        category=NotificationCategory.DEAL_DECISION,
        title=TITLE,
        body=body,
        params={"company": deal.company_name, "status": status},
        url=reverse("deals:detail", args=[deal.pk]),
    )
    return notification is not None
