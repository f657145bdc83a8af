"""How any app tells a partner's person something: one call, :func:`notify`.

The notification centre (``support``) records it for the bell and emails it
as the person chose (at once, in the daily digest, or not at all). Programs
is the ground floor and does not import support: the centre registers its
service here when the app is ready, as deals registers its metrics source
(``programs.metrics``). Without a registered centre, or when there is no
person to tell (an organization's contact address), the message is emailed
at once in the organization's language.
"""

from collections.abc import Callable, Collection, Mapping

from django.core.mail import send_mail

from .languages import recipient_locale
from .models import Membership

#: categories a person chooses a delivery for (Your preferences → Notifications)
DEAL_DECISION = "deal_decision"
LEAD_OFFER = "lead_offer"
MDF_DECISION = "mdf_decision"
STATEMENT = "statement"
CERTIFICATION = "certification"
CASE_UPDATE = "case_update"
TIER_CHANGE = "tier_change"
DATA_EXPORT = "data_export"

#: the centre's service: keyword arguments recipient, category, title, body, params, url
_channel: Callable | None = None


def register_notification_channel(service: Callable) -> None:
    """Called by the notification centre's AppConfig.ready."""
    global _channel  # noqa: PLW0603 - one registration at start-up, like Django's own registries
    _channel = service


def render_params(params: Mapping | None) -> dict:
    """Placeholder values, with callables called now: call this in the
    recipient's language so the dates and money they format read right."""
    return {name: value() if callable(value) else value for name, value in (params or {}).items()}


def notify(
    *,
    recipient=None,
    address: str = "",
    organization=None,
    category: str,
    title,
    body="",
    params: Mapping | None = None,
    url: str = "",
) -> None:
    """Tell ``recipient`` (a user), else ``address``, something.

    ``title`` and ``body`` are lazily translated strings with ``%(name)s``
    placeholders filled from ``params``, rendered in the recipient's language;
    a value that must be formatted in that language (a date, an amount) is
    given as a callable returning the formatted text. ``url`` is the portal
    page the notification leads to."""
    if recipient is not None and recipient.is_active and _channel is not None:
        _channel(recipient=recipient, category=category, title=title, body=body, params=params, url=url)
        return
    address = (recipient.email if recipient is not None and recipient.is_active else "") or address
    if not address:
        return
    with recipient_locale(user=recipient, organization=organization):
        values = render_params(params)
        send_mail(str(title) % values, (str(body) % values) if body else str(title) % values, None, [address])


def notify_organization(*, organization, roles: Collection[str], **message) -> None:
    """Tell every active member of ``organization`` holding one of ``roles``
    (else its contact address) the same ``message`` (the keyword arguments
    of :func:`notify` besides the recipient), each in their own language."""
    people = [
        membership.user
        for membership in Membership.objects.select_related("user")
        .filter(organization=organization, is_active=True)
        .order_by("user_id")
        if set(membership.roles) & set(roles)
    ]
    if not people:
        notify(address=organization.contact_email, organization=organization, **message)
    for person in people:
        notify(recipient=person, organization=organization, **message)
