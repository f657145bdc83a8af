"""The weekly program digest for channel leaders: last week's portal health
and commercial figures, in each recipient's admin language, with the chart."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import PortfolioSettings
from .program import (
    ACTIVE_TARGET_PERCENT,
    FIRST_ACTION_TARGET_DAYS,
    ProgramFilters,
    active_accounts_chart,
    median_days_to_first_action,
    portal_health,
    revenue_by_tier,
)

DEFAULT_GROUP = "Channel ops"
#: weeks of trend in the chart
CHART_WEEKS = 8


def digest_recipients():
    config = PortfolioSettings.load()
    group = config.digest_group or Group.objects.filter(name=DEFAULT_GROUP).first()
    if group is None:
        return get_user_model().objects.none()
    return group.user_set.filter(is_active=True).exclude(email="").select_related("wagtail_userprofile")


def _language(user) -> str:
    profile = getattr(user, "wagtail_userprofile", None)
    return (profile.get_preferred_language() if profile else "") or translation.get_language() or "en"


def program_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Send last week's (Monday to Sunday) digest to every recipient; returns
    the number of emails. The figures are computed once, the text per language."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    week = ProgramFilters(start=last_monday, end=last_monday + datetime.timedelta(days=6))
    trend = ProgramFilters(start=last_monday - datetime.timedelta(weeks=CHART_WEEKS - 1), end=week.end)
    weeks = portal_health(trend)
    context = {
        "week": weeks[-1],
        "first_action_days": median_days_to_first_action(
            ProgramFilters(start=week.end - datetime.timedelta(days=89), end=week.end)
        ),
        "tiers": revenue_by_tier(week),
        "active_target": ACTIVE_TARGET_PERCENT,
        "first_action_target": FIRST_ACTION_TARGET_DAYS,
        "report_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("analytics_admin_program"),
    }
    sent = 0
    for user in digest_recipients():
        with translation.override(_language(user)):
            subject = _("Partner program, week of %(date)s") % {"date": last_monday.isoformat()}
            text = render_to_string("analytics/email/digest.txt", context)
            html = render_to_string("analytics/email/digest.html", {**context, "chart": active_accounts_chart(weeks)})
        message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        sent += 1
    return sent
