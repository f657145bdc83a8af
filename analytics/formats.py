"""Scorecard figures as the reader writes numbers (the active language)."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from programs.formats import money

#: what a figure without a value reads as ("nothing closed yet", "no MDF paid")
NO_VALUE = "—"


def format_figure(value, *, unit: str, currency: str = "") -> str:
    """Money with its currency, a percentage, a ratio or a count."""
    if value is None:
        return NO_VALUE
    if unit == "money":
        return money(value, currency)
    if unit == "percent":
        return _("%(value)s%%") % {"value": number_format(Decimal(value), decimal_pos=1, use_l10n=True)}
    if unit == "ratio":
        return number_format(Decimal(value), decimal_pos=2, use_l10n=True)
    return number_format(value, use_l10n=True, force_grouping=True)
