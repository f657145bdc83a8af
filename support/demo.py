"""Support demo data for ``seed_demo``: the case categories channel ops offer
(in English, French and German) and SLA targets per priority, faster for
Platinum partners. Without categories a partner cannot open a case, so the
demo needs them. Safe to run again: only what is missing is added."""

from decimal import Decimal

from django.db import transaction
from wagtail.models import Locale

from programs.models import Tier

from .models import CaseCategory, CasePriority, SlaTarget

#: code, English, French, German
CATEGORIES = [
    ("technical", "Technical question", "Question technique", "Technische Frage"),
    ("deal-registration", "Deal registration", "Enregistrement d’affaire", "Deal-Registrierung"),
    ("mdf", "Market development funds", "Fonds de développement marketing", "Marketingbudgets (MDF)"),
    ("incentives", "Commissions and incentives", "Commissions et primes", "Provisionen und Prämien"),
    ("portal-access", "Portal access", "Accès au portail", "Portalzugang"),
]
#: priority -> (first answer, resolution) in business hours, for every tier
SLA_HOURS = {
    CasePriority.LOW: (Decimal("16"), Decimal("80")),
    CasePriority.NORMAL: (Decimal("8"), Decimal("40")),
    CasePriority.HIGH: (Decimal("4"), Decimal("16")),
    CasePriority.URGENT: (Decimal("1"), Decimal("8")),
}
#: Platinum partners get half the time
PLATINUM_RANK = 4


@transaction.atomic
def seed_support_demo() -> None:
    default = Locale.get_default()
    translations = {code: Locale.objects.filter(language_code=code).first() for code in ("fr", "de")}
    for order, (code, english, french, german) in enumerate(CATEGORIES, start=1):
        category, _created = CaseCategory.objects.get_or_create(
            code=code, locale=default, defaults={"name": english, "sort_order": order}
        )
        for language_code, name in (("fr", french), ("de", german)):
            locale = translations[language_code]
            if locale is not None and category.get_translation_or_none(locale) is None:
                translated = category.copy_for_translation(locale)
                translated.name = name
                translated.save()
    platinum = Tier.objects.filter(locale=default, rank=PLATINUM_RANK, retired=False).first()
    for priority, (first_answer, resolution) in SLA_HOURS.items():
        SlaTarget.objects.get_or_create(
            priority=priority,
            tier=None,
            defaults={"first_response_hours": first_answer, "resolution_hours": resolution},
        )
        if platinum is not None:
            SlaTarget.objects.get_or_create(
                priority=priority,
                tier=platinum,
                defaults={"first_response_hours": first_answer / 2, "resolution_hours": resolution / 2},
            )
