"""Vendor staff work cases in the Wagtail admin: the queue and one page per
case (answer or note, assign, status, merge, audit trail)."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from programs.files import private_file_response
from programs.tenancy import get_scoped_or_404, scoped
from programs.wagtail_hooks import PortfolioFilterSet

from . import selectors
from .forms import attachments_field
from .models import Case, CaseCategory, CaseStatus
from .services import cases as case_services


def case_workers():
    """Active staff who may work cases: the assignee choices."""
    User = get_user_model()  # noqa: N806
    workers = (
        Q(is_superuser=True)
        | Q(groups__permissions__codename="change_case")
        | Q(user_permissions__codename="change_case")
    )
    return User.objects.filter(workers, is_active=True).distinct().order_by("first_name", "last_name")


class SlaStateFilter(django_filters.ChoiceFilter):
    CHOICES = [
        ("breached", _("Breached")),
        ("due_soon", _("Due within 2 hours")),
        ("on_track", _("On track")),
        ("paused", _("Paused (waiting on partner)")),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=self.CHOICES, label=_("SLA"), **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        now = timezone.now()
        active = queryset.filter(status__in=[CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_ON_PARTNER])
        if value == "paused":
            return active.filter(sla_paused_at__isnull=False)
        running = active.filter(sla_paused_at__isnull=True)
        late = Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(resolution_due_at__lte=now)
        if value == "breached":
            return running.filter(late)
        soon = now + timezone.timedelta(hours=2)
        near = Q(first_responded_at__isnull=True, first_response_due_at__lte=soon) | Q(resolution_due_at__lte=soon)
        if value == "due_soon":
            return running.filter(near).exclude(late)
        return running.exclude(near)


class CaseQueueFilterSet(PortfolioFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=lambda request: CaseCategory.objects.filter(locale=Locale.get_default())
    )
    assignee = django_filters.ModelChoiceFilter(label=_("Assigned to"), queryset=lambda request: case_workers())
    unassigned = django_filters.BooleanFilter(label=_("Unassigned"), field_name="assignee", lookup_expr="isnull")
    sla = SlaStateFilter()

    class Meta:
        model = Case
        fields = ["status", "priority", "category", "assignee", "unassigned", "sla", "escalation_level", "organization"]


class CaseQueueIndexView(IndexView):
    """The queue; CAMs without the view-all permission see their portfolio only."""

    def get_base_queryset(self):
        return scoped(super().get_base_queryset(), self.request.user).select_related(
            "organization", "category", "assignee"
        )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    internal = forms.BooleanField(label=_("Internal note (the partner never sees it)"), required=False, initial=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = case_workers()


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(value, label) for value, label in CaseStatus.choices if value in case_services.STAFF_STATUSES],
    )
    note = forms.CharField(label=_("Internal note"), required=False, max_length=2000)


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Merge this case into case number"),
        min_value=1,
        help_text=_("The other case of the same partner that stays open; this one closes."),
    )


FORMS = {"reply": ReplyForm, "assign": AssignForm, "status": StatusForm, "merge": MergeForm}


class CaseWorkView(WagtailAdminTemplateMixin, View):
    """One case: the conversation with internal notes, its SLA, the actions
    and the full audit trail."""

    template_name = "support/admin/case.html"
    header_icon = "help"
    index_url_name = None
    permission_policy = None

    def dispatch(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        self.object = get_scoped_or_404(
            Case.objects.select_related(
                "organization__tier",
                "organization__channel_account_manager",
                "opened_by",
                "assignee",
                "category",
                "deal",
                "merged_into",
            ),
            request.user,
            pk=pk,
        )
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"{self.object.number} {self.object.subject}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Case._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.object.number},
        ]

    def get_context_data(self, forms=None, **kwargs):
        case = self.object
        bound = forms or {}
        return super().get_context_data(
            case=case,
            sla=selectors.case_sla_summary(case=case),
            conversation=selectors.case_conversation(case=case, include_internal=True),
            opening_files=case.attachments.filter(message__isnull=True),
            events=case.events.select_related("actor"),
            merged=case.merged.all(),
            reply_form=bound.get("reply") or ReplyForm(),
            assign_form=bound.get("assign") or AssignForm(initial={"assignee": case.assignee_id}),
            status_form=bound.get("status") or StatusForm(),
            merge_form=bound.get("merge") or MergeForm(),
            can_act=case.merged_into_id is None,
            file_url_name=self.request.resolver_match.view_name.replace(":edit", ":file"),
            **kwargs,
        )

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def post(self, request, pk):
        action = request.POST.get("action")
        if action not in FORMS:
            raise Http404("Unknown action")
        form = FORMS[action](request.POST, request.FILES)
        if form.is_valid():
            try:
                done = self.perform(action, form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, done)
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(forms={action: form}), status=400)

    def perform(self, action: str, data: dict) -> str:
        case, user = self.object, self.request.user
        if action == "reply":
            case_services.case_reply(
                case=case, author=user, body=data["body"], internal=data["internal"], attachments=data["attachments"]
            )
            return _("Internal note added.") if data["internal"] else _("Answer sent to the partner.")
        if action == "assign":
            case_services.case_assign(case=case, actor=user, assignee=data["assignee"])
            return _("Case assigned.")
        if action == "status":
            case_services.case_set_status(case=case, actor=user, status=data["status"], note=data["note"])
            return _("Status changed.")
        target = scoped(Case.objects.all(), user).filter(pk=data["into"]).first()
        if target is None:
            raise ValidationError(_("There is no case %(number)s you may work on.") % {"number": f"#{data['into']}"})
        case_services.case_merge(duplicate=case, into=target, actor=user)
        return _("Merged into %(number)s.") % {"number": target.number}


class CaseFileView(View):
    """Staff download of a case attachment (internal ones included)."""

    permission_policy = None

    def get(self, request, pk, file_pk):
        if not self.permission_policy.user_has_permission(request.user, "view"):
            raise PermissionDenied
        case = get_scoped_or_404(Case.objects.all(), request.user, pk=pk)
        attachment = case.attachments.filter(pk=file_pk).first()
        if attachment is None:
            raise Http404("No attachment matches the given query.")
        return private_file_response(attachment.file, filename=attachment.original_name)
