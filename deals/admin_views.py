"""The channel-ops review queue in the Wagtail admin."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from programs.files import private_file_response
from programs.models import PartnerOrganization
from programs.services.exchange import program_currency
from programs.tenancy import PORTAL_STATUSES, get_scoped_or_404, scoped

from . import selectors, services
from .forms import add_service_errors
from .lead_import import MAX_BYTES, parse_leads_csv
from .models import Campaign, DealRegistration, DealStatus, ExtensionStatus, Lead, LeadStatus, attachment_filename
from .services import leads as lead_services


class DealReviewIndexView(IndexView):
    """The queue; CAMs without the view-all permission see their portfolio only.
    Channel ops are told here about won deals that count toward no tier for
    want of an exchange rate."""

    def get_base_queryset(self):
        return scoped(super().get_base_queryset(), self.request.user).select_related("organization")

    def get(self, request, *args, **kwargs):
        currency = program_currency()
        missing = selectors.won_deals_without_rate(user=request.user, currency=currency)
        pairs = sorted(set(missing.values_list("currency", flat=True)))
        if pairs:
            messages.warning(
                request,
                _(
                    "%(count)s won deals do not count toward tiers: no exchange rate from %(currencies)s to "
                    "%(program)s. Add the rates under Partner program › Exchange rates: each deal is converted and "
                    "counted as soon as its rate is saved."
                )
                % {"count": missing.count(), "currencies": ", ".join(pairs), "program": currency},
            )
        return super().get(request, *args, **kwargs)


class DecisionForm(forms.Form):
    ACTIONS = [
        ("approve", _("Approve")),
        ("reject", _("Reject")),
        ("more_info", _("Request more information")),
        ("extension_approve", _("Approve the extension")),
        ("extension_reject", _("Decline the extension")),
        ("confirm_outcome", _("Confirm the reported outcome")),
        ("reject_outcome", _("Do not confirm the reported outcome")),
        ("convert", _("Convert to the program currency")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    reason = forms.CharField(
        label=_("Reason or question for the partner"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject or to request more information; the partner sees it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") in ("reject", "more_info", "reject_outcome") and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give the partner a reason."))
        return cleaned


class DealDetailsForm(forms.ModelForm):
    """Channel ops correct what the partner typed; saved through ``deal_update``."""

    class Meta:
        model = DealRegistration
        fields = services.EDITABLE_FIELDS
        widgets = {
            "expected_close_date": forms.DateInput(attrs={"type": "date"}),
            "competitive_situation": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_domain(self):
        from .matching import normalize_domain

        return normalize_domain(self.cleaned_data["domain"])


class OutcomeCorrectionForm(forms.Form):
    """Channel ops correct a closed deal; saved through ``deal_correct_outcome``,
    which also recomputes tier and incentive accruals."""

    status = forms.ChoiceField(
        label=_("Outcome"), choices=[(DealStatus.WON, DealStatus.WON.label), (DealStatus.LOST, DealStatus.LOST.label)]
    )
    final_amount = forms.DecimalField(label=_("Final amount"), max_digits=15, decimal_places=3, required=False)
    closed_on = forms.DateField(label=_("Close date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Reason for the correction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DealReviewView(WagtailAdminTemplateMixin, View):
    """One registration: details, conflicts with their explanation, the full
    audit trail and the reviewer's decisions."""

    template_name = "deals/admin/review.html"
    header_icon = "tasks"
    index_url_name = None
    attachment_url_name = None
    reopen_url_name = None
    permission_policy = None

    def dispatch(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        self.object = get_scoped_or_404(
            DealRegistration.objects.select_related("organization__tier", "submitted_by", "assigned_to"),
            request.user,
            pk=pk,
        )
        return super().dispatch(request, pk)

    def get_page_title(self):
        return str(self.object.company_name)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": DealRegistration._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.object.company_name},
        ]

    def get_context_data(self, form=None, details_form=None, correction_form=None, **kwargs):
        deal = self.object
        closed = deal.status in services.CLOSED_STATUSES
        initial = {"status": deal.status, "final_amount": deal.final_amount, "closed_on": deal.closed_on}
        return super().get_context_data(
            deal=deal,
            correction_form=correction_form
            or (OutcomeCorrectionForm(initial=initial, prefix="outcome") if closed else None),
            form=form or DecisionForm(),
            details_form=details_form or DealDetailsForm(instance=deal, prefix="details"),
            product_lines=deal.lines.select_related("product_line"),
            conflicts=deal.conflicts.select_related("other__organization"),
            events=deal.events.select_related("actor"),
            reviewable=deal.status in services.REVIEWABLE_STATUSES,
            may_confirm=services.outcome_trusted(self.request.user),
            may_reopen=closed and services.deal_reopen_allowed(deal=deal, actor=self.request.user),
            reopen_url_name=self.reopen_url_name,
            extension_pending=deal.extension_status == ExtensionStatus.REQUESTED,
            review_url_name=self.request.resolver_match.view_name,
            attachment_url=reverse(self.attachment_url_name, args=[deal.pk]) if deal.attachment else "",
            missing_rate_message=self.missing_rate_message(deal) if self.needs_rate(deal) else "",
            **kwargs,
        )

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def post(self, request, pk):
        if "save_details" in request.POST:
            return self.save_details(request)
        if "correct_outcome" in request.POST:
            return self.correct_outcome(request)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"].strip()
        deal, user = self.object, request.user
        try:
            if action == "approve":
                services.deal_approve(deal=deal, actor=user, note=reason)
            elif action == "reject":
                services.deal_reject(deal=deal, actor=user, reason=reason)
            elif action == "more_info":
                services.deal_request_info(deal=deal, actor=user, question=reason)
            elif action == "confirm_outcome":
                deal = services.deal_outcome_confirm(deal=deal, actor=user, note=reason)
            elif action == "reject_outcome":
                services.deal_outcome_reject(deal=deal, actor=user, reason=reason)
            elif action == "convert":
                services.deal_convert_outcome(deal=deal, actor=user)
                messages.success(request, _("Converted: the win now counts toward the partner's tier."))
                return redirect(request.path)
            else:
                services.deal_decide_extension(
                    deal=deal, actor=user, approve=action == "extension_approve", note=reason
                )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Decision recorded for %(company)s.") % {"company": deal.company_name})
        if self.needs_rate(deal):
            messages.warning(request, self.missing_rate_message(deal))
        return redirect(self.index_url_name)

    @staticmethod
    def needs_rate(deal) -> bool:
        return deal.status == DealStatus.WON and not deal.counts_in(program_currency())

    @staticmethod
    def missing_rate_message(deal) -> str:
        return _(
            "This win does not count toward the partner's tier yet: there is no exchange rate from %(currency)s "
            "to %(program)s valid on %(date)s. Add one under Partner program › Exchange rates, then convert the deal."
        ) % {"currency": deal.currency, "program": program_currency(), "date": deal.closed_on}

    def correct_outcome(self, request):
        form = OutcomeCorrectionForm(request.POST, prefix="outcome")
        if form.is_valid():
            try:
                services.deal_correct_outcome(deal=self.object, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Outcome corrected; the tier and the incentive accruals are recomputed in a moment.")
                )
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(correction_form=form))

    def save_details(self, request):
        # A copy: a failed edit must not leak half-applied values into the page.
        original = DealRegistration.objects.get(pk=self.object.pk)
        details_form = DealDetailsForm(request.POST, instance=original, prefix="details")
        if details_form.is_valid():
            changes = {name: details_form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
            try:
                services.deal_update(deal=self.object, actor=request.user, **changes)
            except ValidationError as error:
                details_form.add_error(None, error)
            else:
                messages.success(request, _("Details saved for %(company)s.") % {"company": changes["company_name"]})
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(details_form=details_form))


class DealReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this deal reopened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit trail and shown to the partner."),
        error_messages={"required": _("Say why the deal is reopened.")},
    )


class DealReopenView(WagtailAdminTemplateMixin, View):
    """Confirmation page before a confirmed won or lost deal is reopened:
    says what will happen (accruals reversed, tier re-evaluated, partner
    told), asks for the reason, then calls ``deal_reopen``."""

    template_name = "deals/admin/reopen.html"
    header_icon = "undo"
    review_url_name = None
    index_url_name = None
    permission_policy = None

    def dispatch(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        self.object = get_scoped_or_404(
            DealRegistration.objects.select_related("organization"), request.user, action="change", pk=pk
        )
        if not services.deal_reopen_allowed(deal=self.object, actor=request.user):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Reopen %(company)s") % {"company": self.object.company_name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": DealRegistration._meta.verbose_name_plural.capitalize()},
            {"url": reverse(self.review_url_name, args=[self.object.pk]), "label": self.object.company_name},
            {"url": "", "label": _("Reopen")},
        ]

    def get_context_data(self, form=None, **kwargs):
        deal = self.object
        return super().get_context_data(
            deal=deal,
            form=form or DealReopenForm(),
            reopenable=deal.status in services.CLOSED_STATUSES,
            won=deal.status == DealStatus.WON,
            review_url=reverse(self.review_url_name, args=[deal.pk]),
            **kwargs,
        )

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def post(self, request, pk):
        form = DealReopenForm(request.POST)
        if form.is_valid():
            try:
                deal = services.deal_reopen(deal=self.object, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "%(company)s is open again and protected until %(date)s. Its incentive accruals are "
                        "reversed and the partner's tier re-evaluated in a moment; the partner has been told."
                    )
                    % {"company": deal.company_name, "date": date_format(localtime(deal.protected_until))},
                )
                return redirect(self.review_url_name, pk)
        return self.render_to_response(self.get_context_data(form=form))


# Leads ----------------------------------------------------------------------


class DealAttachmentView(View):
    """The registration's attached file, for reviewers of its organization."""

    permission_policy = None

    def get(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        deal = get_scoped_or_404(DealRegistration.objects.all(), request.user, pk=pk)
        if not deal.attachment:
            raise Http404(_("This registration has no attachment."))
        return private_file_response(deal.attachment, filename=attachment_filename(deal))


class LeadIndexView(IndexView):
    """Every lead (CAMs: those with their portfolio); the add button imports a CSV file."""

    add_item_label = _("Import leads from CSV")

    def get_base_queryset(self):
        return scoped(super().get_base_queryset(), self.request.user).select_related("organization", "campaign")


class LeadAssignForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Offer to"), queryset=PartnerOrganization.objects.none())
    note = forms.CharField(label=_("Internal note"), required=False, max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A CAM offers leads within the portfolio only.
        organizations = PartnerOrganization.objects.filter(status__in=PORTAL_STATUSES)
        self.fields["organization"].queryset = scoped(organizations, user, organization_field="")


class LeadImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, up to 2 MB, one lead per line. Columns: company_name and country (required), domain, "
            "contact_name, contact_email, contact_phone, product_lines (codes separated by ;), estimated_value, "
            "currency, notes, campaign (code)."
        ),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.filter(is_active=True),
        required=False,
        help_text=_("For rows without a campaign column value."),
    )


class _LeadAdminMixin(WagtailAdminTemplateMixin):
    header_icon = "user"
    index_url_name = None
    permission_policy = None

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Lead._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.get_page_title()},
        ]


class LeadAdminView(_LeadAdminMixin, View):
    """One lead: details, offers, the full audit trail and assignment by hand."""

    template_name = "deals/admin/lead.html"

    def dispatch(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        self.object = get_scoped_or_404(
            Lead.objects.select_related("organization", "campaign", "distribution_rule"), request.user, pk=pk
        )
        return super().dispatch(request, pk)

    def get_page_title(self):
        return str(self.object.company_name)

    def get_context_data(self, form=None, **kwargs):
        lead = self.object
        return super().get_context_data(
            lead=lead,
            form=form or LeadAssignForm(user=self.request.user),
            product_lines=lead.product_lines.all(),
            offers=lead.offers.select_related("organization", "rule"),
            events=lead.events.select_related("actor", "organization"),
            deal=DealRegistration.objects.filter(source_lead=lead).first(),
            assignable=lead.status not in (LeadStatus.ACCEPTED, LeadStatus.CONVERTED),
            **kwargs,
        )

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def post(self, request, pk):
        form = LeadAssignForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                lead_services.lead_assign(
                    lead=self.object,
                    organization=form.cleaned_data["organization"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("%(company)s offered to %(organization)s.")
                    % {"company": self.object.company_name, "organization": form.cleaned_data["organization"]},
                )
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))


class LeadImportView(_LeadAdminMixin, View):
    """Upload a CSV file of leads: all rows are stored and distributed, or
    none when any row is wrong (each problem listed with its line)."""

    template_name = "deals/admin/lead_import.html"

    def dispatch(self, request):
        if not self.permission_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request)

    def get_page_title(self):
        return str(_("Import leads from CSV"))

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=LeadImportForm()))

    def post(self, request):
        form = LeadImportForm(request.POST, request.FILES)
        problems = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                problems = [_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}]
            else:
                parsed = parse_leads_csv(upload.read(), campaign=form.cleaned_data["campaign"], created_by=request.user)
                problems = parsed.errors
                if not problems:
                    leads = lead_services.leads_create_many(leads=parsed.leads)
                    offered = sum(1 for lead in leads if lead.organization_id)
                    messages.success(
                        request,
                        _("%(count)s leads imported; %(offered)s offered to partners, the others wait for you.")
                        % {"count": len(leads), "offered": offered},
                    )
                    return redirect(self.index_url_name)
        return self.render_to_response(self.get_context_data(form=form, problems=problems), status=400)
