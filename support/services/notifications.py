"""The notification centre: one service through which the portal tells a
person something, in their language, in the portal and by email as they chose
(at once, in a daily digest, or not by email)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.languages import recipient_locale
from programs.notifications import render_params

from ..models import Delivery, Notification, NotificationCategory, NotificationPreference

#: an immediate notification not e-mailed this long after it was made: its
#: e-mail task failed (the mail server down) or is still held for the broker,
#: and beat's sweep sends it
EMAIL_LOST_AFTER = timedelta(minutes=5)
#: older than this, it is not e-mailed any more (the bell still shows it)
EMAIL_WITHIN = timedelta(days=1)


def notification_delivery(*, user, category: str) -> str:
    """How ``user`` wants ``category`` delivered (email at once unless they chose otherwise)."""
    preference = NotificationPreference.objects.filter(user=user, category=category).first()
    return preference.delivery if preference is not None else Delivery.IMMEDIATE


@transaction.atomic
def notification_send(
    *,
    recipient,
    category: str,
    title: str,
    body: str = "",
    params: dict | None = None,
    url: str = "",
    reply_to: str = "",
) -> Notification | None:
    """Record a notification for ``recipient`` and email it if they want it at once.

    ``title`` and ``body`` are (lazy) translatable strings with ``%(name)s``
    placeholders filled from ``params``; they are rendered now, in the
    recipient's language, so the bell and the email read the same.
    """
    if recipient is None or not recipient.is_active:
        return None
    with recipient_locale(user=recipient):
        # Callables format dates and amounts, here in the recipient's language.
        values = render_params(params)
        rendered_title = str(title) % values if values else str(title)
        rendered_body = (str(body) % values if values else str(body)) if body else ""
    notification = Notification.objects.create(
        recipient=recipient,
        category=category,
        title=rendered_title[:200],
        body=rendered_body,
        url=url,
        reply_to=reply_to,
        delivery=notification_delivery(user=recipient, category=category),
    )
    if notification.delivery == Delivery.IMMEDIATE and recipient.email:
        from ..tasks import email_notification

        email_notification.delay_on_commit(notification.pk)
    return notification


def notifications_send(*, recipients: Iterable, **kwargs) -> list[Notification]:
    """:func:`notification_send` to each distinct recipient."""
    seen, sent = set(), []
    for recipient in recipients:
        if recipient is None or recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        if (notification := notification_send(recipient=recipient, **kwargs)) is not None:
            sent.append(notification)
    return sent


def _absolute(url: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{url}" if url.startswith("/") else url


@transaction.atomic
def notification_email(*, notification_id: int) -> bool:
    """Email one notification once (a task run twice sends it once)."""
    notification = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id, delivery=Delivery.IMMEDIATE, emailed_at__isnull=True)
        .first()
    )
    if notification is None or not notification.recipient.email:
        return False
    with recipient_locale(user=notification.recipient):
        text = render_to_string(
            "support/email/notification.txt", {"notification": notification, "link": _absolute(notification.url)}
        )
        subject = notification.title
    EmailMessage(
        subject=subject,
        body=text,
        to=[notification.recipient.email],
        reply_to=[notification.reply_to] if notification.reply_to else None,
    ).send()
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


def notifications_email_unsent(*, now: datetime | None = None) -> int:
    """E-mail the immediate notifications whose e-mail task failed (the mail
    server down) or is still held for the broker: made between a day and a few
    minutes ago (younger ones may still be in the queue) and not e-mailed yet.
    Each is e-mailed once (:func:`notification_email` locks and marks it).
    Returns how many were e-mailed."""
    now = now or timezone.now()
    unsent = (
        Notification.objects.filter(
            delivery=Delivery.IMMEDIATE,
            emailed_at__isnull=True,
            created_at__gte=now - EMAIL_WITHIN,
            created_at__lte=now - EMAIL_LOST_AFTER,
        )
        .exclude(recipient__email="")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(notification_email(notification_id=pk) for pk in list(unsent))


def notifications_send_digests(*, now: datetime | None = None) -> int:
    """Daily: one email per person listing what they chose to receive as a
    digest and have not been emailed yet. Returns the number of emails."""
    now = now or timezone.now()
    recipients = (
        Notification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True, created_at__lte=now)
        .values_list("recipient", flat=True)
        .distinct()
    )
    sent = 0
    for recipient_id in list(recipients):
        sent += _send_digest(recipient_id=recipient_id, now=now)
    return sent


@transaction.atomic
def _send_digest(*, recipient_id: int, now: datetime) -> int:
    pending = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(recipient_id=recipient_id, delivery=Delivery.DIGEST, emailed_at__isnull=True, created_at__lte=now)
        .order_by("created_at", "pk")
    )
    if not pending:
        return 0
    recipient = pending[0].recipient
    if recipient.email:
        items = [{"notification": item, "link": _absolute(item.url)} for item in pending]
        with recipient_locale(user=recipient):
            subject = _("Your daily portal digest: %(count)s updates") % {"count": len(pending)}
            text = render_to_string("support/email/digest.txt", {"items": items})
        EmailMessage(subject=subject, body=text, to=[recipient.email]).send()
    Notification.objects.filter(pk__in=[item.pk for item in pending]).update(emailed_at=now)
    return 1


def notifications_mark_read(*, user, notifications: QuerySet | None = None) -> int:
    """Mark ``user``'s notifications (all unread ones by default) as read."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(pk__in=notifications.values("pk"))
    return rows.update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_save(*, user, choices: dict[str, str]) -> None:
    """Store ``user``'s delivery choice per category."""
    for category, delivery in choices.items():
        if category not in NotificationCategory.values or delivery not in Delivery.values:
            continue
        NotificationPreference.objects.update_or_create(user=user, category=category, defaults={"delivery": delivery})
