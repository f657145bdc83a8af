"""The audit-event shape every app shares: who changed what, when, from which
status to which, and the fields before and after.

Deals, leads, MDF requests and claims (and incentives) keep one concrete
event model each, built on :class:`StatusEvent`, and record it in the same
transaction as the change through :func:`status_change`.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatusEvent(models.Model):
    """One entry of an audit trail: who changed what, when, from which status
    to which, and the fields before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the system acted."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("internal note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field the event recorded."""
        names = sorted(set(self.before) | set(self.after))
        return [(name, self.before.get(name), self.after.get(name)) for name in names]


def json_safe(value):
    """A field value as the JSON ``before``/``after`` store it (ids, strings for money and dates)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    return value


def status_change(instance, changed: dict) -> tuple[dict, dict]:
    """Apply ``changed`` (status and other fields) to ``instance``, save it and
    return its JSON-safe values before and after: the fields that moved, status always."""
    before = {name: getattr(instance, name) for name in changed}
    for name, value in changed.items():
        setattr(instance, name, value)
    instance.save()
    after = {name: getattr(instance, name) for name in changed}
    kept = [name for name in changed if before[name] != after[name] or name == "status"]
    return {name: json_safe(before[name]) for name in kept}, {name: json_safe(after[name]) for name in kept}
