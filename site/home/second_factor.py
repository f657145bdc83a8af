"""The staff second factor: a TOTP authenticator app (django-otp), asked for
after the Wagtail admin's password login and before anything else.

Staff are users who may use the Wagtail admin. Until their session is
verified by a confirmed device they reach only the login, logout and the
second-factor pages: not the admin, and not the partner pages or session API
either, where a vendor account could read every partner's records. Partner
people (no admin access) are not asked.
"""

import base64
from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .models import BackupCodeEvent, BackupCodeEventKind, StaffBackupCode
from .services import backup_code_use, backup_codes_generate

#: URL names a staff member reaches before the second factor.
OPEN_URL_NAMES = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
        "second_factor_verify",
        "second_factor_setup",
        "healthz",
    }
)


def needs_second_factor(user) -> bool:
    """Vendor staff: superusers and users with Wagtail admin access."""
    return user.is_superuser or user.is_staff or user.has_perm("wagtailadmin.access_admin")


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class StaffSecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``), then the
    gate: an unverified staff session is sent to set up or enter its code."""

    def __call__(self, request):
        self._install_lazy_accessors(request)
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith((settings.STATIC_URL, settings.MEDIA_URL))
            # Staff first: resolving the URL walks every pattern, and partners never need it.
            and needs_second_factor(user)
            and _url_name(request) not in OPEN_URL_NAMES
        ):
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            step = "second_factor_verify" if has_device else "second_factor_setup"
            return redirect_to_login(request.get_full_path(), login_url=reverse(step))
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device: TOTPDevice, accept_backup_codes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.accept_backup_codes = accept_backup_codes
        self.used_backup_code = False
        if accept_backup_codes:
            self.fields["token"].label = _("Code from your authenticator app, or a backup code")
            self.fields["token"].widget.attrs["inputmode"] = "text"

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("Too many wrong codes. Wait a minute, then enter the current code."))
        if self.accept_backup_codes and not token.isdigit():
            # Wrong backup codes count against the same throttle as wrong app codes.
            if not backup_code_use(user=self.device.user, code=token):
                self.device.throttle_increment()
                raise forms.ValidationError(_("This backup code is not right or was already used."))
            self.device.throttle_reset()
            self.used_backup_code = True
            return token
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("This code is not right. Enter the 6 digits your app shows now."))
        return token


class _SecondFactorView(WagtailAdminTemplateMixin, FormView):
    header_icon = "lock"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("wagtailadmin_login"))
        self.device = self.get_device()
        if self.device is None:
            return redirect(self.other_step)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()}):
            return url
        return reverse("wagtailadmin_home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)

    def form_valid(self, form):
        self.device.confirmed = True
        self.device.save(update_fields=["confirmed"])
        otp_login(self.request, self.device)
        return redirect(self.next_url())


class VerifyView(_SecondFactorView):
    """Enter the current code of the confirmed authenticator, or one of the
    staff member's backup codes."""

    template_name = "home/admin/second_factor_verify.html"
    page_title = _("Enter your code")
    other_step = "second_factor_setup"

    def get_device(self):
        return TOTPDevice.objects.filter(user=self.request.user, confirmed=True).first()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "accept_backup_codes": True}

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.used_backup_code:
            left = StaffBackupCode.objects.filter(user=self.request.user, used_at__isnull=True).count()
            messages.warning(
                self.request,
                ngettext(
                    "You signed in with a backup code; %(count)s code is left. "
                    "Generate new ones if you lost your phone.",
                    "You signed in with a backup code; %(count)s codes are left. "
                    "Generate new ones if you lost your phone.",
                    left,
                )
                % {"count": left},
            )
        return response


class SetupView(_SecondFactorView):
    """Scan the QR code into an authenticator app, then confirm with a code.
    Only for staff without a confirmed device: an attacker with a password
    cannot add a device of their own."""

    template_name = "home/admin/second_factor_setup.html"
    page_title = _("Set up your authenticator app")
    other_step = "second_factor_verify"

    def get_device(self):
        user = self.request.user
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return None
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)

    def get_context_data(self, **kwargs):
        image = BytesIO()
        write_qrcode_image(self.device.config_url, image)
        secret = base64.b32encode(self.device.bin_key).decode()
        return super().get_context_data(
            qr_code=base64.b64encode(image.getvalue()).decode(),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            **kwargs,
        )


class BackupCodesView(WagtailAdminTemplateMixin, TemplateView):
    """Generate a batch of one-time backup codes for one's own second factor.
    The codes are shown once, on the response to the POST that created them."""

    template_name = "home/admin/second_factor_backup_codes.html"
    page_title = _("Backup codes")
    header_icon = "lock"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            unused=StaffBackupCode.objects.filter(user=user, used_at__isnull=True).count(),
            generated=BackupCodeEvent.objects.filter(user=user, kind=BackupCodeEventKind.GENERATED)
            .order_by("-at")
            .first(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        # Admin views are never cached (Wagtail), so the codes exist only in this response.
        codes = backup_codes_generate(user=request.user, actor=request.user)
        return self.render_to_response(self.get_context_data(codes=codes))
