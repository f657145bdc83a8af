"""Data rights: an organization's owner takes its data with them (a ZIP of
JSON and files, built by a Celery job), and a vendor admin erases a person's
personal data while the business records they made stay.

Every app adds its own records to an export through the
``organization_data_export`` Wagtail hook: a function of the organization
returning ``ExportSection`` objects (a lower app never imports a higher one)."""

import json
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.models import APIToken

from ..models import (
    AgreementAcceptance,
    ExportStatus,
    Invitation,
    Membership,
    OrganizationExport,
    PartnerApplication,
    PartnerOrganization,
    PersonCertification,
    PersonErasure,
)
from ..notifications import DATA_EXPORT, notify

logger = logging.getLogger(__name__)

EXPORT_HOOK = "organization_data_export"


@dataclass
class ExportSection:
    """One file of the export (``<name>.json``) and the files its rows refer to."""

    name: str
    rows: list[dict]
    #: (path inside the ZIP, stored file)
    files: list[tuple[str, FieldFile]] = field(default_factory=list)


def queryset_section(name: str, queryset, *, file_field: str | None = None, exclude=()) -> ExportSection:
    """Every concrete field of ``queryset``'s rows (foreign keys as ids), and
    the files of ``file_field`` under ``files/<name>/``."""
    fields = [
        field.attname
        for field in queryset.model._meta.concrete_fields
        if field.name not in exclude and field.attname not in exclude
    ]
    rows, files = [], []
    for row in queryset.order_by("pk"):
        values = {attname: getattr(row, attname) for attname in fields}
        if file_field:
            stored = getattr(row, file_field)
            path = f"{name}/{row.pk}-{stored.name.rsplit('/', 1)[-1]}" if stored else None
            values[file_field] = f"files/{path}" if path else None
            if path:
                files.append((path, stored))
        rows.append(values)
    return ExportSection(name, rows, files)


def _program_sections(organization: PartnerOrganization) -> list[ExportSection]:
    people = Membership.objects.filter(organization=organization).select_related("user")
    return [
        ExportSection(
            "organization",
            [
                {
                    "name": organization.name,
                    "status": organization.status,
                    "tier": str(organization.tier) if organization.tier_id else None,
                    "partner_type": str(organization.partner_type),
                    "region": str(organization.region),
                    "email_domain": organization.email_domain,
                    "contact_email": organization.contact_email,
                    "phone": organization.phone,
                    "street_address": organization.street_address,
                    "city": organization.city,
                    "postal_code": organization.postal_code,
                    "country": organization.country,
                    "preferred_language": organization.preferred_language,
                }
            ],
        ),
        ExportSection(
            "people",
            [
                {
                    "username": membership.user.get_username(),
                    "first_name": membership.user.first_name,
                    "last_name": membership.user.last_name,
                    "email": membership.user.email,
                    "roles": membership.roles,
                    "active": membership.is_active,
                    "job_title": membership.job_title,
                    "preferred_language": membership.preferred_language,
                    "time_zone": membership.time_zone,
                    "since": membership.created_at,
                }
                for membership in people
            ],
        ),
        ExportSection(
            "invitations",
            list(
                Invitation.objects.filter(organization=organization).values(
                    "email", "roles", "created_at", "accepted_at", "revoked_at"
                )
            ),
        ),
        ExportSection(
            "certifications",
            [
                {
                    "person": held.user.get_username(),
                    "certification": str(held.certification),
                    "earned_at": held.earned_at,
                    "expires_at": held.expires_at,
                }
                for held in PersonCertification.objects.filter(organization=organization).select_related(
                    "user", "certification"
                )
            ],
        ),
        ExportSection(
            "agreement_acceptances",
            [
                {
                    "agreement": acceptance.agreement.version,
                    "accepted_by": acceptance.user.get_username(),
                    "accepted_at": acceptance.accepted_at,
                }
                for acceptance in AgreementAcceptance.objects.filter(organization=organization).select_related(
                    "agreement", "user"
                )
            ],
        ),
        ExportSection(
            "application",
            list(
                PartnerApplication.objects.filter(organization=organization).values(
                    "company_name", "website", "country", "contact_name", "contact_email", "submitted_at", "status"
                )
            ),
        ),
    ]


def export_sections(organization: PartnerOrganization) -> list[ExportSection]:
    """Every section of ``organization``'s export: the program's own and each app's."""
    sections = _program_sections(organization)
    for hook in hooks.get_hooks(EXPORT_HOOK):
        sections.extend(hook(organization))
    return sections


@transaction.atomic
def organization_export_request(*, organization: PartnerOrganization, requested_by) -> OrganizationExport:
    """Queue an export of ``organization``'s data; one at a time per organization."""
    PartnerOrganization.objects.select_for_update().get(pk=organization.pk)
    if OrganizationExport.objects.filter(organization=organization, status=ExportStatus.PENDING).exists():
        raise ValidationError(_("An export of your organization's data is already being prepared."))
    export = OrganizationExport.objects.create(organization=organization, requested_by=requested_by)
    from ..tasks import build_organization_export

    build_organization_export.delay_on_commit(str(export.pk))
    return export


def organization_export_build(*, export: OrganizationExport) -> OrganizationExport:
    """Write the ZIP (``<section>.json`` files and ``files/…``) and tell the requester."""
    if export.status != ExportStatus.PENDING:
        return export
    organization = export.organization
    try:
        with tempfile.TemporaryFile() as buffer:
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for section in export_sections(organization):
                    archive.writestr(
                        f"{section.name}.json", json.dumps(section.rows, cls=DjangoJSONEncoder, indent=2, default=str)
                    )
                    for path, stored in section.files:
                        if stored:
                            with stored.open("rb") as source, archive.open(f"files/{path}", "w") as target:
                                shutil.copyfileobj(source, target)
            buffer.seek(0)
            name = f"{slugify(organization.name) or 'organization'}-{timezone.localdate():%Y-%m-%d}.zip"
            export.file.save(name, File(buffer), save=False)
    except Exception as error:
        logger.exception("Data export %s failed", export.pk)
        OrganizationExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(error), finished_at=timezone.now()
        )
        export.refresh_from_db()
        return export
    export.status = ExportStatus.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "finished_at"])
    if export.requested_by is not None:
        # Through the notification centre: the bell, and email as the requester chose.
        page = reverse("programs:data_export")
        notify(
            recipient=export.requested_by,
            organization=organization,
            category=DATA_EXPORT,
            title=gettext_lazy("Your organization's data export is ready"),
            body=gettext_lazy("Download it within 7 days from %(url)s"),
            params={"url": settings.WAGTAILADMIN_BASE_URL + page},
            url=page,
        )
    return export


def organization_exports_purge() -> int:
    """Delete the files of exports older than their download window."""
    purged = 0
    cutoff = timezone.now() - OrganizationExport.KEPT_FOR
    for export in OrganizationExport.objects.filter(finished_at__lt=cutoff).exclude(file=""):
        export.file.delete(save=False)
        export.file = ""
        export.save(update_fields=["file"])
        purged += 1
    return purged


@transaction.atomic
def person_erase(*, user, actor) -> PersonErasure:
    """Anonymize ``user``: name, e-mail, login, preferences and tokens go; the
    deals, claims and events they made stay, under an anonymous account."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot erase your own account."))
    if user.is_superuser:
        raise ValidationError(_("Remove this person's superuser status before erasing them."))
    if PersonErasure.objects.filter(erased_user_id=user.pk).exists():
        raise ValidationError(_("This person's personal data has already been erased."))
    email = user.email
    summary = {
        "memberships": Membership.objects.filter(user=user).update(
            is_active=False, job_title="", time_zone="", preferred_language=""
        ),
        "api_tokens_revoked": APIToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ),
    }
    placeholder = f"erased-{user.pk}@erased.invalid"
    if email:
        summary["invitations"] = Invitation.objects.filter(email__iexact=email).update(email=placeholder)
        summary["applications"] = PartnerApplication.objects.filter(contact_email__iexact=email).update(
            contact_name="", contact_email=placeholder, contact_phone=""
        )
    user_model = get_user_model()
    # A new unusable password also ends every session (Django checks the hash).
    user.set_unusable_password()
    user.username = f"erased-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = user.is_staff = False
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    summary["account"] = user_model._meta.label
    return PersonErasure.objects.create(erased_user_id=user.pk, erased_by=actor, summary=summary)
