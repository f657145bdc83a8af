from django import template

from programs.formats import money as format_money
from programs.formats import person_name as format_person_name
from programs.formkit import country_name as name_of_country
from programs.formkit import currency_name as name_of_currency
from programs.models import PartnerRole

register = template.Library()


@register.filter
def money(amount, currency):
    """``{{ deal.estimated_value|money:deal.currency }}`` in the active language."""
    return format_money(amount, currency)


@register.filter
def person_name(user):
    """``{{ member.user|person_name|default:member.user.email }}``: family name first for 山田 太郎."""
    return format_person_name(user)


@register.filter
def country_name(code):
    """``{{ deal.country|country_name }}``: "Germany", "Allemagne"…"""
    return name_of_country(code)


@register.filter
def currency_name(code):
    return name_of_currency(code)


@register.filter
def role_names(codes):
    """``{{ membership.roles|role_names }}``: the roles as the reader says them, comma-separated."""
    labels = dict(PartnerRole.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or ())
