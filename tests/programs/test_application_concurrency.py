"""Two identical partner applications submitted at the same moment: the
database, not timing, keeps exactly one under review, and the other applicant
gets the same clear message as a later duplicate."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from programs.models import ApplicationStatus, PartnerApplication
from programs.services.onboarding import application_submit
from tests.factories import PartnerTypeFactory, RegionFactory

THREADS = 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_identical_applications_keep_exactly_one():
    fields = {
        "company_name": "Globex Storage GmbH",
        "website": "https://www.globex.example/",
        "partner_type": PartnerTypeFactory(),
        "region": RegionFactory(),
        "country": "DE",
        "contact_name": "Hank Scorpio",
        "contact_email": "hank@globex.example",
        "contact_phone": "",
        "expected_annual_revenue": "250000.00",
        "expected_revenue_currency": "EUR",
        "message": "",
    }
    barrier = threading.Barrier(THREADS)
    refusals: list[str] = []
    unexpected: list[BaseException] = []

    def apply():
        try:
            with translation.override("en"):
                barrier.wait(timeout=30)
                application_submit(**fields)
        except ValidationError as error:
            refusals.extend(error.message_dict["website"])
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert unexpected == []
    pending = PartnerApplication.objects.filter(email_domain="globex.example", status=ApplicationStatus.PENDING)
    assert pending.count() == 1
    assert refusals == ["An application for globex.example is already under review."] * (THREADS - 1)
