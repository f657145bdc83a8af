from django import template

from ..formats import format_figure

register = template.Library()


@register.simple_tag
def figure(metric, value, currency=""):
    """One of ``metric``'s values formatted for the reader."""
    return format_figure(value, unit=metric.unit, currency=currency)


@register.filter
def attr_of(value, name):
    """``value``'s attribute ``name`` as text (the selected filter of a form)."""
    return str(getattr(value, name, ""))
