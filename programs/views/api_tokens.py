from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import APITokenForm
from ..selectors import partner_api_tokens
from ..services.api_tokens import api_token_create, api_token_revoke
from ..tenancy import partner_required


@partner_required()
def api_tokens(request):
    """Tokens for the REST API (CRM sync): the plaintext is shown once, in the
    response to the request that created it."""
    form = APITokenForm(request.POST or None)
    plaintext = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, plaintext = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = APITokenForm()
    response = render(
        request,
        "programs/api_tokens.html",
        {
            "tokens": partner_api_tokens(request.partner),
            "form": form,
            "plaintext": plaintext,
            "api_url": request.build_absolute_uri("/api/v1/"),
        },
        status=400 if form.errors else 200,
    )
    add_never_cache_headers(response)  # the plaintext must not be cached anywhere
    return response


@require_POST
@partner_required()
def api_token_revoke_view(request, token_id: int):
    token = partner_api_tokens(request.partner).filter(pk=token_id).first()
    if token is None:
        raise Http404("No API token matches the given query.")
    try:
        api_token_revoke(token=token, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("programs:api_tokens")
