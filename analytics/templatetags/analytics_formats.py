from django import template

from ..formats import format_figure

register = template.Library()


@register.simple_tag
def figure(metric, value, currency=""):
    """One of ``metric``'s values formatted for the reader."""
    return format_figure(value, unit=metric.unit, currency=currency)
