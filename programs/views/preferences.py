from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext as _

from ..forms import PreferencesForm
from ..languages import remember_language
from ..services.team import membership_preferences_update
from ..tenancy import partner_required


@partner_required()
def preferences(request):
    """The partner user's own language and time zone."""
    membership = request.partner.membership
    form = PreferencesForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        membership = membership_preferences_update(
            membership=membership,
            preferred_language=form.cleaned_data["preferred_language"],
            time_zone=form.cleaned_data["time_zone"],
        )
        language = membership.language
        with translation.override(language):
            messages.success(request, _("Your preferences are saved."))
        url = translate_url(reverse("programs:preferences"), language)
        return remember_language(redirect(url), language)
    if form.errors:
        membership.refresh_from_db()
    return render(request, "programs/preferences.html", {"form": form}, status=400 if form.errors else 200)
