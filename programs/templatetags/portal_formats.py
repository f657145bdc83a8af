from django import template

from programs.formats import money as format_money

register = template.Library()


@register.filter
def money(amount, currency):
    """``{{ deal.estimated_value|money:deal.currency }}`` in the active language."""
    return format_money(amount, currency)
