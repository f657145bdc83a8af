"""Reads of the staff reports that join analytics to other apps' records:
MDF investment against the pipeline it produced (through the MDF app's own
ROI figures), content usage and the searches that found nothing.

Every figure is grouped in the database; money stays in its own currency.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from content.models import AssetPage
from mdf.models import FundRequest
from mdf.roi import ZERO, RoiRow, roi_rows
from search.models import SearchQueryLog

from .models import ActivityEvent, ActivityKind
from .program import ProgramFilters


def _mdf_requests(filters: ProgramFilters, organizations: QuerySet) -> QuerySet:
    """The requests of ``organizations`` whose activity starts in the range; grouped with
    ``committed_only`` they are the MDF report's population (``mdf.roi.report_requests``)."""
    return FundRequest.objects.filter(
        organization__in=organizations, starts_on__gte=filters.start, starts_on__lte=filters.end
    )


def mdf_by_activity_type(filters: ProgramFilters) -> list[RoiRow]:
    """MDF committed (net of releases), claimed and paid per activity type
    and currency, with the pipeline and won revenue of the registrations
    attributed to those activities (the MDF report's rules, ``mdf.roi``),
    for the activities of the selected partners that start in the range."""
    requests = _mdf_requests(filters, filters.organizations().values("pk"))
    return roi_rows(requests, dimension="activity_type", committed_only=True)


def _visible_organizations(filters: ProgramFilters, user) -> QuerySet:
    """The filtered partners the staff member may see: a CAM's portfolio, every one for channel ops."""
    return filters.seen_by(user).organizations().values("pk")


@dataclass
class MdfTotal:
    """MDF of one currency: amounts of different currencies are never added up."""

    currency: str
    committed: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO


def mdf_by_currency(filters: ProgramFilters, *, user) -> list[MdfTotal]:
    """MDF committed (net of releases), claimed and paid per currency for the
    activities starting in the range of the partners ``user`` may see (the
    MDF report's figures, ``mdf.roi``, added up per currency), by currency code."""
    totals: dict[str, MdfTotal] = {}
    requests = _mdf_requests(filters, _visible_organizations(filters, user))
    for row in roi_rows(requests, dimension="program", committed_only=True):
        total = totals.setdefault(row.currency, MdfTotal(currency=row.currency))
        total.committed += row.approved
        total.claimed += row.claimed
        total.paid += row.paid
    return [totals[currency] for currency in sorted(totals)]


def _downloads(filters: ProgramFilters, user) -> QuerySet:
    return ActivityEvent.objects.filter(
        kind=ActivityKind.DOWNLOAD,
        organization__in=_visible_organizations(filters, user),
        at__date__gte=filters.start,
        at__date__lte=filters.end,
    )


@dataclass
class AssetUsage:
    asset_id: int
    title: str
    asset_type: str
    downloads: int
    partners: int
    people: int


def downloads_by_asset(filters: ProgramFilters, *, user, limit: int | None = None) -> list[AssetUsage]:
    """Downloads in the range per asset by the partners ``user`` may see,
    most downloaded first (an asset deleted since shows its id); the first
    ``limit`` assets only when given."""
    counts = list(
        _downloads(filters, user)
        .values("object_id")
        .annotate(
            downloads=Count("pk"),
            partners=Count("organization", distinct=True),
            people=Count("user", distinct=True),
        )
        .order_by("-downloads", "object_id")[:limit]
    )
    assets = {
        asset.pk: asset
        for asset in AssetPage.objects.filter(pk__in=[row["object_id"] for row in counts]).select_related("asset_type")
    }
    usage = []
    for row in counts:
        asset = assets.get(row["object_id"])
        usage.append(
            AssetUsage(
                asset_id=row["object_id"],
                title=asset.title if asset else _("Deleted asset %(id)s") % {"id": row["object_id"]},
                asset_type=asset.asset_type.name if asset else "",
                downloads=row["downloads"],
                partners=row["partners"],
                people=row["people"],
            )
        )
    return usage


def downloads_by_tier(filters: ProgramFilters, *, user) -> list[dict]:
    """Downloads in the range per tier of the downloading partner, most first."""
    rows = (
        _downloads(filters, user)
        .values("organization__tier__name")
        .annotate(downloads=Count("pk"), partners=Count("organization", distinct=True))
        .order_by("-downloads", "organization__tier__name")
    )
    return [{"name": row.pop("organization__tier__name") or _("No tier"), **row} for row in rows]


def zero_result_queries(filters: ProgramFilters, *, user, limit: int | None = None) -> list[dict]:
    """What partners ``user`` may see searched for in the range without
    finding anything (the search app's query log), the most repeated first;
    the first ``limit`` queries only when given."""
    rows = (
        SearchQueryLog.objects.filter(
            results=0,
            organization__in=_visible_organizations(filters, user),
            created_at__date__gte=filters.start,
            created_at__date__lte=filters.end,
        )
        .values("normalized_query")
        .annotate(searches=Count("pk"), partners=Count("organization", distinct=True), last_at=Max("created_at"))
        .order_by("-searches", "normalized_query")[:limit]
    )
    return [{"query": row.pop("normalized_query"), **row} for row in rows]
