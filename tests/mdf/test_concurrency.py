"""Many requests against one allocation at the same moment: the allocation
row lock, not timing, decides that exactly the affordable ones succeed."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from mdf.models import FundRequest, RequestStatus
from mdf.selectors import allocation_balance
from tests.factories import OrganizationFactory
from tests.factories.mdf import ActivityTypeFactory, allocated, auto_approve_all, request_fields

THREADS = 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_never_overdraw_an_allocation():
    from mdf.services.requests import request_submit

    auto_approve_all()
    organization = OrganizationFactory()
    # 5 × 1,000 fit in 5,500; the other 7 must be refused.
    allocation = allocated(organization, "5500.00")
    fields = request_fields(activity_type=ActivityTypeFactory(), requested_amount=Decimal("1000.00"))
    barrier = threading.Barrier(THREADS)
    refused: list[ValidationError] = []
    errors: list[BaseException] = []

    def request_funds():
        try:
            barrier.wait(timeout=30)
            request_submit(organization=organization, submitted_by=None, allocation=allocation, **fields)
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request_funds) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert FundRequest.objects.filter(status=RequestStatus.APPROVED).count() == 5
    assert len(refused) == THREADS - 5
    assert all("left in your allocation" in " ".join(error.messages) for error in refused)
    assert allocation_balance(allocation=allocation).available == Decimal("500.00")
