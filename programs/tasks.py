from celery import shared_task

from .access_reads import access_changes_purge
from .models import OrganizationExport, OrganizationStatus, PartnerOrganization
from .services.data_rights import organization_export_build, organization_exports_purge
from .services.tiers import tier_evaluate


@shared_task(ignore_result=True)
def evaluate_all_tiers():
    """Nightly: queue one evaluation per organization in the program (held
    for beat where the broker stops answering midway, see PortalTask)."""
    ids = PartnerOrganization.objects.filter(
        status__in=[OrganizationStatus.ONBOARDING, OrganizationStatus.ACTIVE]
    ).values_list("pk", flat=True)
    for organization_id in ids.iterator():
        evaluate_organization_tier.delay_or_hold(organization_id, "Nightly evaluation")


@shared_task(ignore_result=True, acks_late=True)
def evaluate_organization_tier(organization_id: int, reason: str):
    organization = PartnerOrganization.objects.filter(pk=organization_id).first()
    if organization is not None:
        tier_evaluate(organization=organization, reason=reason)


@shared_task(ignore_result=True, acks_late=True)
def build_organization_export(export_id: str):
    export = OrganizationExport.objects.filter(pk=export_id).select_related("organization", "requested_by").first()
    if export is not None:
        organization_export_build(export=export)


@shared_task(ignore_result=True)
def purge_expired_exports():
    organization_exports_purge()


@shared_task(ignore_result=True)
def purge_access_changes():
    access_changes_purge()
