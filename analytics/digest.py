"""The weekly program digest for channel leaders: last week's portal health
and pipeline by tier, with the chart, then MDF and content usage, every
figure over the partners the recipient may see (a CAM: their portfolio;
channel ops: every partner), read through the staff reports' own selectors
so the digest and the reports agree; in each recipient's admin language,
with a link to the admin page behind the figures that they may open."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from programs.tenancy import sees_every_partner

from .models import PortfolioSettings
from .portfolio import may_see_portfolio
from .program import (
    ACTIVE_TARGET_PERCENT,
    FIRST_ACTION_TARGET_DAYS,
    ProgramFilters,
    active_accounts_chart,
    may_read_program_analytics,
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


@dataclass(frozen=True)
class DigestWeek:
    """The week the digest reports and the weeks of its chart."""

    week: ProgramFilters
    trend: ProgramFilters

    @classmethod
    def before(cls, today: datetime.date) -> "DigestWeek":
        """Last week, Monday to Sunday, seen from ``today``."""
        last_monday = today - datetime.timedelta(days=today.weekday() + 7)
        week = ProgramFilters(start=last_monday, end=last_monday + datetime.timedelta(days=6))
        return cls(
            week=week,
            trend=ProgramFilters(start=last_monday - datetime.timedelta(weeks=CHART_WEEKS - 1), end=week.end),
        )


def health_figures(period: DigestWeek, user) -> dict:
    """Portal health week by week and pipeline by tier over the partners
    ``user`` may see (``ProgramFilters.seen_by``: a CAM's portfolio, every
    partner for channel ops), read through the program report's selectors."""
    weeks = portal_health(period.trend.seen_by(user))
    first_action_range = ProgramFilters(start=period.week.end - datetime.timedelta(days=89), end=period.week.end)
    return {
        "weeks": weeks,
        "week": weeks[-1],
        "first_action_days": median_days_to_first_action(first_action_range.seen_by(user)),
        "tiers": revenue_by_tier(period.week.seen_by(user)),
    }


def report_link(period: DigestWeek, user) -> dict | None:
    """The admin page behind the figures that ``user`` may open: the program
    report of the chart's weeks for channel ops; a CAM's own portfolio (the
    program report is program-wide, channel ops' only)."""
    if may_read_program_analytics(user):
        query = urlencode({"start": period.trend.start.isoformat(), "end": period.trend.end.isoformat()})
        return {"label": _("Program analytics"), "url": reverse("analytics_admin_program") + "?" + query}
    if may_see_portfolio(user):
        return {"label": _("Your partner portfolio"), "url": reverse("analytics_admin_portfolio")}
    return None


def recipient_figures(period: DigestWeek, user) -> dict:
    """Every figure of ``user``'s digest, over the partners they may see
    (``programs.tenancy``): portal health and pipeline by tier, then the
    week's MDF per currency, most downloaded assets and searches that found
    nothing; none for a recipient who sees no partner's records (the content
    report's rule)."""
    if not may_see_portfolio(user):
        return {"sees_partners": False}
    week = period.week
    return {
        "sees_partners": True,
        **health_figures(period, user),
        "mdf": mdf_by_currency(week, user=user),
        "assets": downloads_by_asset(week, user=user, limit=TOP_ROWS),
        "searches": zero_result_queries(week, user=user, limit=TOP_ROWS),
        "portfolio_only": not sees_every_partner(user),
    }


def digest_subject(week_start: datetime.date) -> str:
    """The subject in the active language, the date written its way."""
    return _("Partner program, week of %(date)s") % {"date": date_format(week_start, "DATE_FORMAT")}


def program_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Send last week's (Monday to Sunday) digest to every recipient; returns
    the number of emails. Every figure covers the partners the recipient may
    see (those of recipients who see every partner are computed once), each
    recipient gets a link to a page they may open, the text in their language."""
    now = now or timezone.now()
    period = DigestWeek.before(now.astimezone(datetime.UTC).date())
    admin_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    week_range = {"start": period.week.start.isoformat(), "end": period.week.end.isoformat()}
    context = {
        "week_start": period.week.start,
        "week_end": period.week.end,
        "active_target": ACTIVE_TARGET_PERCENT,
        "first_action_target": FIRST_ACTION_TARGET_DAYS,
        # the content report of the same week (CAMs may open it, like channel ops)
        "content_url": admin_url + reverse("analytics_admin_content") + "?" + urlencode(week_range),
    }
    # Recipients who see every partner read the same figures: computed once
    # per language (labels such as "No tier" are translated as they are read).
    figures_by_scope: dict[tuple, dict] = {}
    sent = 0
    for user in digest_recipients():
        language = _language(user)
        with translation.override(language):
            scope = ("every partner", language) if sees_every_partner(user) else ("recipient", user.pk)
            if scope not in figures_by_scope:
                figures_by_scope[scope] = recipient_figures(period, user)
            personal = {**context, **figures_by_scope[scope]}
            link = report_link(period, user)
            if link is not None:
                personal["report"] = {"label": link["label"], "url": admin_url + link["url"]}
            subject = digest_subject(period.week.start)
            text = render_to_string("analytics/email/digest.txt", personal)
            if personal["sees_partners"]:
                personal["chart"] = active_accounts_chart(personal["weeks"])
            html = render_to_string("analytics/email/digest.html", personal)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        sent += 1
    return sent
