"""The weekly program digest for channel leaders: last week's portal health
and commercial figures, in each recipient's admin language, with the chart;
then MDF and content usage of the partners the recipient may see (a CAM: their
portfolio; channel ops: every partner), read through the staff reports' own
selectors so the digest and the reports agree."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programs.tenancy import VIEW_ALL_PERMISSION

from .models import PortfolioSettings
from .portfolio import may_see_portfolio
from .program import (
    ACTIVE_TARGET_PERCENT,
    FIRST_ACTION_TARGET_DAYS,
    ProgramFilters,
    active_accounts_chart,
    median_days_to_first_action,
    portal_health,
    revenue_by_tier,
)
from .selectors import downloads_by_asset, mdf_by_currency, zero_result_queries

DEFAULT_GROUP = "Channel ops"
#: weeks of trend in the chart
CHART_WEEKS = 8
#: most downloaded assets and most repeated empty searches listed
TOP_ROWS = 5


def digest_recipients():
    config = PortfolioSettings.load()
    group = config.digest_group or Group.objects.filter(name=DEFAULT_GROUP).first()
    if group is None:
        return get_user_model().objects.none()
    return group.user_set.filter(is_active=True).exclude(email="").select_related("wagtail_userprofile")


def _language(user) -> str:
    profile = getattr(user, "wagtail_userprofile", None)
    return (profile.get_preferred_language() if profile else "") or translation.get_language() or "en"


def recipient_figures(week: ProgramFilters, user) -> dict:
    """The week's MDF per currency, most downloaded assets and searches that
    found nothing, over the partners ``user`` may see (``programs.tenancy``):
    none for a recipient who sees no partner's records (the content report's rule)."""
    if not may_see_portfolio(user):
        return {"sees_partners": False}
    return {
        "sees_partners": True,
        "mdf": mdf_by_currency(week, user=user),
        "assets": downloads_by_asset(week, user=user, limit=TOP_ROWS),
        "searches": zero_result_queries(week, user=user, limit=TOP_ROWS),
        "portfolio_only": not (user.is_superuser or user.has_perm(VIEW_ALL_PERMISSION)),
    }


def program_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Send last week's (Monday to Sunday) digest to every recipient; returns
    the number of emails. The program figures are computed once, the MDF and
    content figures per recipient's scope, the text per language."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    week = ProgramFilters(start=last_monday, end=last_monday + datetime.timedelta(days=6))
    trend = ProgramFilters(start=last_monday - datetime.timedelta(weeks=CHART_WEEKS - 1), end=week.end)
    weeks = portal_health(trend)
    admin_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    week_range = {"start": week.start.isoformat(), "end": week.end.isoformat()}
    context = {
        "week": weeks[-1],
        "week_end": week.end,
        "first_action_days": median_days_to_first_action(
            ProgramFilters(start=week.end - datetime.timedelta(days=89), end=week.end)
        ),
        "tiers": revenue_by_tier(week),
        "active_target": ACTIVE_TARGET_PERCENT,
        "first_action_target": FIRST_ACTION_TARGET_DAYS,
        "report_url": admin_url + reverse("analytics_admin_program"),
        # the content report of the same week (CAMs may open it; the program report is channel ops')
        "content_url": admin_url + reverse("analytics_admin_content") + "?" + urlencode(week_range),
    }
    sent = 0
    for user in digest_recipients():
        with translation.override(_language(user)):
            personal = {**context, **recipient_figures(week, user)}
            subject = _("Partner program, week of %(date)s") % {"date": last_monday.isoformat()}
            text = render_to_string("analytics/email/digest.txt", personal)
            html = render_to_string("analytics/email/digest.html", {**personal, "chart": active_accounts_chart(weeks)})
        message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        sent += 1
    return sent
