from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Locale

from support.models import CaseCategory, SlaTarget
from support.services.cases import case_open


class CaseCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseCategory
        django_get_or_create = ("code", "locale")

    code = "technical"
    name = factory.LazyAttribute(lambda category: category.code.replace("-", " ").capitalize())
    locale = factory.LazyFunction(Locale.get_default)


class SlaTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaTarget

    priority = "normal"
    tier = None
    first_response_hours = Decimal("4")
    resolution_hours = Decimal("16")


def pdf_file(name="report.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 support evidence", content_type="application/pdf")


def open_case(organization, opened_by, **fields):
    values = {
        "category": CaseCategoryFactory(),
        "priority": "normal",
        "subject": "Cannot download the price list",
        "description": "The download button answers 500 since this morning.",
    }
    values.update(fields)
    return case_open(organization=organization, opened_by=opened_by, **values)
