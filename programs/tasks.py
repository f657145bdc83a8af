from celery import shared_task

from .models import OrganizationStatus, PartnerOrganization
from .services.tiers import tier_evaluate


@shared_task(ignore_result=True)
def evaluate_all_tiers():
    """Nightly: queue one evaluation per organization in the program."""
    ids = PartnerOrganization.objects.filter(
        status__in=[OrganizationStatus.ONBOARDING, OrganizationStatus.ACTIVE]
    ).values_list("pk", flat=True)
    for organization_id in ids.iterator():
        evaluate_organization_tier.delay(organization_id, "Nightly evaluation")


@shared_task(ignore_result=True, acks_late=True)
def evaluate_organization_tier(organization_id: int, reason: str):
    organization = PartnerOrganization.objects.filter(pk=organization_id).first()
    if organization is not None:
        tier_evaluate(organization=organization, reason=reason)
