"""Becoming a partner: the public application and its review."""

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..metrics import COURSE_STARTED, DEAL_REGISTERED, current_agreement, organization_has_activity
from ..models import (
    AgreementAcceptance,
    ApplicationStatus,
    Invitation,
    Membership,
    OrganizationStatus,
    PartnerApplication,
    PartnerOrganization,
    PartnerRole,
    ProgramSettings,
)
from .tiers import tier_evaluation_request


def email_domain_from_website(website: str) -> str:
    """``https://www.Example.com/about`` → ``example.com``."""
    host = (urlsplit(website if "//" in website else f"//{website}").hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


@transaction.atomic
def application_submit(**fields) -> PartnerApplication:
    """Store a company's application after checking it is not a duplicate.

    The company is identified by its web domain: an application under review
    or an existing partner with that domain refuses the new one, with a
    message saying which."""
    application = PartnerApplication(**fields, language=translation.get_language() or settings.LANGUAGE_CODE)
    application.email_domain = email_domain_from_website(application.website)
    # The one-pending-application constraint is checked below with a message naming the domain.
    application.full_clean(validate_constraints=False)
    contact_domain = application.contact_email.rsplit("@", 1)[-1].lower()
    if contact_domain != application.email_domain and not contact_domain.endswith(f".{application.email_domain}"):
        raise ValidationError(
            {
                "contact_email": _("Use an address at %(domain)s so we can verify the company.")
                % {"domain": application.email_domain}
            }
        )
    existing_partner = PartnerOrganization.objects.filter(email_domain=application.email_domain).exclude(
        status=OrganizationStatus.TERMINATED
    )
    if existing_partner.exists():
        raise ValidationError(
            {
                "website": _("%(domain)s is already a partner; ask your colleagues for an invitation.")
                % {"domain": application.email_domain}
            }
        )
    already_pending = ValidationError(
        {"website": _("An application for %(domain)s is already under review.") % {"domain": application.email_domain}}
    )
    pending = PartnerApplication.objects.filter(email_domain=application.email_domain, status=ApplicationStatus.PENDING)
    if pending.exists():
        raise already_pending
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise already_pending from error
    return application


def _send(subject, template: str, context: dict, recipient: str, *, language: str) -> None:
    """``subject`` is a callable: it is translated, like the body, in the recipient's language."""
    with translation.override(language):
        send_mail(str(subject()), render_to_string(template, context), None, [recipient])


@transaction.atomic
def invitation_create(*, organization, email: str, roles: list[str], invited_by, base_url: str):
    """A one-time, expiring link for ``email`` to join ``organization``.

    Only the token's hash is stored; the link is emailed once the transaction
    commits. Returns the invitation and the link."""
    unknown = set(roles) - set(PartnerRole.values)
    if not roles or unknown:
        raise ValidationError({"roles": _("Choose at least one of the partner roles.")})
    token = secrets.token_urlsafe(32)
    validity = timedelta(days=ProgramSettings.load().invitation_validity_days)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email.lower(),
        roles=list(roles),
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + validity,
    )
    with translation.override(organization.preferred_language):
        url = base_url.rstrip("/") + reverse("programs:invitation_accept", kwargs={"token": token})
    context = {"organization": organization, "url": url, "expires_at": invitation.expires_at}
    transaction.on_commit(
        lambda: _send(
            lambda: _("Your invitation to the %(organization)s partner account") % {"organization": organization.name},
            "programs/email/invitation.txt",
            context,
            invitation.email,
            language=organization.preferred_language,
        )
    )
    return invitation, url


@transaction.atomic
def application_approve(*, application: PartnerApplication, actor, base_url: str):
    """Create the organization and invite the applicant as its owner; once
    this commits, a first tier evaluation places the new partner on the ladder
    (in a background task, like every other evaluation)."""
    application = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been reviewed."))
    organization = PartnerOrganization.objects.create(
        name=application.company_name,
        partner_type=application.partner_type,
        region=application.region,
        country=application.country,
        website=application.website,
        email_domain=application.email_domain,
        contact_email=application.contact_email,
        phone=application.contact_phone,
        status=OrganizationStatus.ONBOARDING,
    )
    application.status = ApplicationStatus.APPROVED
    application.reviewed_by, application.reviewed_at = actor, timezone.now()
    application.organization = organization
    application.save(update_fields=["status", "reviewed_by", "reviewed_at", "organization"])
    invitation, _url = invitation_create(
        organization=organization,
        email=application.contact_email,
        roles=[PartnerRole.OWNER],
        invited_by=actor,
        base_url=base_url,
    )
    tier_evaluation_request(organization=organization, reason=_("Application approved"))
    return organization, invitation


@transaction.atomic
def application_reject(*, application: PartnerApplication, actor, reason: str) -> PartnerApplication:
    if not reason.strip():
        raise ValidationError({"reason": _("Give the applicant a reason.")})
    application = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application has already been reviewed."))
    application.status = ApplicationStatus.REJECTED
    application.rejection_reason = reason.strip()
    application.reviewed_by, application.reviewed_at = actor, timezone.now()
    application.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    context = {"application": application}
    transaction.on_commit(
        lambda: _send(
            lambda: _("Your partner application"),
            "programs/email/application_rejected.txt",
            context,
            application.contact_email,
            language=application.language,
        )
    )
    return application


class InvitationUnusable(Exception):
    """The link cannot be used; the message says why, for the person holding it."""


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    invitations = Invitation.objects.select_related("organization")
    if lock:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(token_hash=Invitation.hash_token(token)).first()
    if invitation is None:
        raise InvitationUnusable(_("This invitation link is not valid. Check that you copied all of it."))
    if invitation.accepted_at:
        raise InvitationUnusable(_("This invitation link has already been used. Log in instead."))
    if invitation.revoked_at:
        raise InvitationUnusable(_("This invitation was withdrawn; ask your colleague to send a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(_("This invitation link has expired; ask your colleague to send a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, first_name: str, last_name: str, password: str):
    """Create the invited person's account and membership; the link is spent."""
    invitation = invitation_for_token(token, lock=True)
    User = get_user_model()
    if User.objects.filter(username__iexact=invitation.email).exists():
        raise ValidationError(
            _("An account for %(email)s already exists. Log in instead.") % {"email": invitation.email}
        )
    user = User(username=invitation.email, email=invitation.email, first_name=first_name, last_name=last_name)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(organization=invitation.organization, user=user, roles=invitation.roles)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


def first_action_record(organization: PartnerOrganization) -> None:
    """Remember when the organization first did something (time to first action)."""
    if organization.first_action_at is None:
        organization.first_action_at = timezone.now()
        organization.save(update_fields=["first_action_at"])


def profile_is_complete(organization: PartnerOrganization) -> bool:
    return all(
        [
            organization.logo,
            organization.street_address,
            organization.city,
            organization.contact_email,
            organization.phone,
        ]
    )


@transaction.atomic
def agreement_accept(*, organization: PartnerOrganization, user, agreement, ip_address: str | None):
    """The owner accepts the agreement version in force; stored with who, when and from where."""
    acceptance, _created = AgreementAcceptance.objects.get_or_create(
        organization=organization, agreement=agreement, defaults={"user": user, "ip_address": ip_address}
    )
    first_action_record(organization)
    organization_activate_if_ready(organization=organization)
    return acceptance


@transaction.atomic
def organization_profile_update(*, organization: PartnerOrganization, form) -> PartnerOrganization:
    """Save a validated profile form (the caller's ModelForm for ``organization``)."""
    organization = form.save()
    first_action_record(organization)
    organization_activate_if_ready(organization=organization)
    return organization


def organization_activate_if_ready(*, organization: PartnerOrganization) -> bool:
    """An onboarding organization becomes active once the current agreement is
    accepted and its profile is complete."""
    if organization.status != OrganizationStatus.ONBOARDING:
        return False
    agreement = current_agreement(timezone.now())
    accepted = bool(
        agreement and AgreementAcceptance.objects.filter(organization=organization, agreement=agreement).exists()
    )
    if not (accepted and profile_is_complete(organization)):
        return False
    organization.status, organization.activated_at = OrganizationStatus.ACTIVE, timezone.now()
    organization.save(update_fields=["status", "activated_at"])
    return True


def onboarding_checklist(*, organization: PartnerOrganization) -> list[dict]:
    """The steps the dashboard shows until the organization is fully set up."""
    agreement = current_agreement(timezone.now())
    return [
        {
            "key": "agreement",
            "label": _("Accept the partner agreement"),
            "url": reverse("programs:agreement_accept"),
            "done": bool(agreement and organization.agreement_acceptances.filter(agreement=agreement).exists()),
        },
        {
            "key": "profile",
            "label": _("Complete your company profile and logo"),
            "url": reverse("programs:organization_profile"),
            "done": profile_is_complete(organization),
        },
        {
            "key": "colleague",
            "label": _("Invite a first colleague"),
            "url": "",
            "done": organization.invitations.exists() or organization.memberships.count() > 1,
        },
        {
            "key": "first_deal",
            "label": _("Register your first deal"),
            "url": reverse("deals:new"),
            "done": organization_has_activity(organization, DEAL_REGISTERED),
        },
        {
            "key": "first_course",
            "label": _("Start your first course"),
            "url": reverse("content:courses"),
            "done": organization_has_activity(organization, COURSE_STARTED),
        },
    ]
