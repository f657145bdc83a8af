"""Finance's pages in the Wagtail admin: a statement (approve, record the
payment) and a dispute (answer, resolve). Both act through the services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from programs.tenancy import get_scoped_or_404, scoped

from .models import Dispute, DisputeStatus, Statement, StatementStatus
from .selectors import statement_lines
from .services import disputes, statements


class ScopedIndexView(IndexView):
    """CAMs without the view-all permission see their portfolio only."""

    #: what each row's columns name besides the organization (read with the page, not row by row)
    related = ()

    def get_base_queryset(self):
        return scoped(super().get_base_queryset(), self.request.user).select_related("organization", *self.related)


class DisputeIndexView(ScopedIndexView):
    related = ("line__program",)  # a dispute's line is named by its kind, amount and program


class PaymentForm(forms.Form):
    payment_reference = forms.CharField(label=_("Payment reference"), max_length=120, required=False)
    payment_date = forms.DateField(
        label=_("Payment date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DisputeReplyForm(forms.Form):
    body = forms.CharField(label=_("Answer to the partner"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DisputeResolveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Adjustment amount"),
        required=False,
        max_digits=15,
        decimal_places=3,
        help_text=_("In the disputed line's currency; negative to reduce."),
    )
    reason = forms.CharField(
        label=_("Reason given to the partner"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class _ObjectAdminView(WagtailAdminTemplateMixin, View):
    """One scoped row, changed only by staff holding the model's change permission."""

    model = None
    index_url_name = None
    permission_policy = None

    def dispatch(self, request, pk):
        if not request.user.has_perm(f"incentives.change_{self.model._meta.model_name}"):
            raise PermissionDenied
        self.object = get_scoped_or_404(self.model.objects.select_related("organization"), request.user, pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": self.model._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": str(self.object)},
        ]

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def _act(self, action, form, success: str):
        """Run a service call; its ValidationError shows on the form, nothing is saved."""
        try:
            action()
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                for message in error.messages:
                    form.add_error(None, message)
            return None
        messages.success(self.request, success)
        return redirect(self.request.path)


class StatementAdminView(_ObjectAdminView):
    template_name = "incentives/admin/statement.html"
    header_icon = "doc-full"
    model = Statement

    def get_context_data(self, payment_form=None, approve_errors=None, **kwargs):
        statement = self.object
        return super().get_context_data(
            statement=statement,
            lines=statement_lines(statement=statement),
            totals=statements.statement_totals(statement=statement),
            open_disputes=statement.disputes.filter(status=DisputeStatus.OPEN),
            events=statement.events.select_related("actor"),
            payment_form=payment_form or PaymentForm(),
            approve_errors=approve_errors or [],
            can_approve=statement.status == StatementStatus.DRAFT,
            can_pay=statement.status == StatementStatus.APPROVED,
            **kwargs,
        )

    def post(self, request, pk):
        statement = self.object
        if "approve" in request.POST:
            try:
                statements.statement_approve(statement=statement, actor=request.user)
            except ValidationError as error:
                return self.render_to_response(self.get_context_data(approve_errors=error.messages))
            messages.success(request, _("Statement approved: record the payment once it is made."))
            return redirect(request.path)
        form = PaymentForm(request.POST)
        if form.is_valid():
            done = self._act(
                lambda: statements.statement_mark_paid(
                    statement=statement,
                    actor=request.user,
                    payment_reference=form.cleaned_data["payment_reference"],
                    payment_date=form.cleaned_data["payment_date"],
                ),
                form,
                _("Payment recorded; the partner sees the statement as paid."),
            )
            if done:
                return done
        return self.render_to_response(self.get_context_data(payment_form=form))


class DisputeAdminView(_ObjectAdminView):
    template_name = "incentives/admin/dispute.html"
    header_icon = "help"
    model = Dispute

    def get_context_data(self, reply_form=None, resolve_form=None, **kwargs):
        dispute = self.object
        return super().get_context_data(
            dispute=dispute,
            line=dispute.line,
            thread=dispute.messages.select_related("author"),
            events=dispute.events.select_related("actor"),
            reply_form=reply_form or DisputeReplyForm(),
            resolve_form=resolve_form or DisputeResolveForm(),
            is_open=dispute.status == DisputeStatus.OPEN,
            statement_url=reverse("incentives_statement:edit", args=[dispute.statement_id]),
            **kwargs,
        )

    def post(self, request, pk):
        dispute, user = self.object, request.user
        if "reply" in request.POST:
            form = DisputeReplyForm(request.POST)
            form.is_valid()
            done = self._act(
                lambda: disputes.dispute_reply(
                    dispute=dispute, author=user, body=form.cleaned_data.get("body", ""), from_vendor=True
                ),
                form,
                _("Answer sent to the partner."),
            )
            return done or self.render_to_response(self.get_context_data(reply_form=form))
        form = DisputeResolveForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(resolve_form=form))
        reason = form.cleaned_data["reason"]
        if "adjust" in request.POST:
            action = lambda: disputes.dispute_resolve_with_adjustment(  # noqa: E731
                dispute=dispute, actor=user, amount=form.cleaned_data["amount"], reason=reason
            )
            success = _("Dispute resolved with an adjustment line; it goes on the statement shown below.")
        else:
            action = lambda: disputes.dispute_reject(dispute=dispute, actor=user, reason=reason)  # noqa: E731
            success = _("Dispute rejected; the partner sees your reason.")
        return self._act(action, form, success) or self.render_to_response(self.get_context_data(resolve_form=form))
