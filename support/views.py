"""Partner-facing support cases and the notification centre: thin views over
selectors and services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.files import private_file_response
from programs.formats import person_name
from programs.tenancy import partner_required

from . import selectors
from .forms import CaseForm, NotificationSettingsForm, ReopenForm, ReplyForm, ShareForm, add_service_errors
from .models import Notification
from .services import cases as case_services
from .services import notifications as notification_services


@partner_required()
def case_list(request):
    page = Paginator(selectors.case_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "support/case_list.html", {"page": page, "cases": page.object_list})


@partner_required()
def case_new(request):
    organization = request.partner.organization
    form = CaseForm(request.POST or None, request.FILES or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.case_open(
                organization=organization,
                opened_by=request.user,
                category=form.cleaned_data["category"],
                priority=form.cleaned_data["priority"],
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                deal=form.cleaned_data["deal"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Case %(number)s is open. We answer here and by email; you can add details below.")
                % {"number": case.number},
            )
            return redirect("support:case_detail", pk=case.pk)
    return render(request, "support/case_form.html", {"form": form}, status=400 if form.errors else 200)


def _detail(request, case, *, reply_form=None, reopen_form=None, share_form=None, status=200):
    reopen_deadline = case_services.case_reopen_deadline(case)
    colleagues = selectors.case_share_candidates(case=case)
    return render(
        request,
        "support/case_detail.html",
        {
            "case": case,
            "conversation": selectors.case_conversation(case=case),
            "opening_files": case.attachments.filter(message__isnull=True, is_internal=False),
            "sla": selectors.case_sla_summary(case=case),
            "reply_form": reply_form or ReplyForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "share_form": share_form or ShareForm(colleagues=colleagues),
            "can_share": case.merged_into_id is None and colleagues.exists(),
            "can_reply": case.is_active and case.merged_into_id is None,
            "reopen_deadline": reopen_deadline if not case.is_active else None,
            "can_reopen": not case.is_active and reopen_deadline is not None and reopen_deadline >= timezone.now(),
        },
        status=status,
    )


@partner_required()
def case_detail(request, pk):
    return _detail(request, selectors.case_get(user=request.user, pk=pk))


@require_POST
@partner_required()
def case_reply_view(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            case_services.case_partner_reply(
                case=case,
                author=request.user,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your reply is added to the case. We will answer here and by email."))
            return redirect("support:case_detail", pk=case.pk)
    return _detail(request, case, reply_form=form, status=400)


@require_POST
@partner_required()
def case_reopen_view(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            case_services.case_reopen(case=case, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case is open again. Our team will pick it up."))
            return redirect("support:case_detail", pk=case.pk)
    return _detail(request, case, reopen_form=form, status=400)


@require_POST
@partner_required()
def case_share_view(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    form = ShareForm(request.POST, colleagues=selectors.case_share_candidates(case=case))
    if form.is_valid():
        try:
            case_services.case_share(case=case, actor=request.user, user=form.cleaned_data["user"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            user = form.cleaned_data["user"]
            messages.success(
                request,
                _("%(name)s can now follow this case.") % {"name": person_name(user) or user.get_username()},
            )
            return redirect("support:case_detail", pk=case.pk)
    return _detail(request, case, share_form=form, status=400)


@partner_required()
def case_attachment_download(request, case_pk, pk):
    attachment = selectors.case_attachment_get(user=request.user, case_pk=case_pk, pk=pk)
    return private_file_response(attachment.file, filename=attachment.original_name)


# Notification centre ----------------------------------------------------------


@partner_required()
def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "support/notification_list.html", {"page": page, "items": page.object_list})


@partner_required()
def notification_open(request, pk):
    """Mark one notification read and follow its link."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    notification_services.notifications_mark_read(
        user=request.user, notifications=Notification.objects.filter(pk=notification.pk)
    )
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("support:notifications")
    return redirect(target)


@require_POST
@partner_required()
def notifications_read_all(request):
    count = notification_services.notifications_mark_read(user=request.user)
    messages.success(request, _("All notifications are marked as read.") if count else _("Nothing was unread."))
    return redirect("support:notifications")


@partner_required()
def notification_settings(request):
    current = selectors.notification_preferences(user=request.user)
    form = NotificationSettingsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        notification_services.notification_preferences_save(user=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("support:notification_settings")
    return render(request, "support/notification_settings.html", {"form": form}, status=400 if form.errors else 200)
