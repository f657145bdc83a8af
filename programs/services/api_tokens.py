"""Partner users' API tokens for their CRM integrations (Wagtail's APIToken:
only a digest is stored, the plaintext is shown once)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import APIToken

#: active tokens one person may hold (integrations, not one per script run)
MAX_ACTIVE_TOKENS_PER_USER = 10


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[APIToken, str]:
    """A new token for ``user``; returns it and its plaintext (never stored)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the system that will use it.")})
    if len(name) > APIToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("Keep the name under 255 characters.")})
    active = APIToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if active.count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise ValidationError(
            _("You already have %(count)d active tokens; revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_TOKENS_PER_USER}
        )
    token, plaintext = APIToken.create_token(user=user, name=name)
    log(token, "wagtail.apitoken.create", user=user)
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: APIToken, actor) -> APIToken:
    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("This token was already revoked."))
    token.revoke()
    log(token, "wagtail.apitoken.revoke", user=actor)
    return token


def api_tokens_revoke_all(*, user, actor) -> int:
    """Revoke every active token of ``user`` (they left the organization)."""
    tokens = list(APIToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoke()
        log(token, "wagtail.apitoken.revoke", user=actor)
    return len(tokens)
