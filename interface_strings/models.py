"""Interface-string translations the Localization team publishes from the
admin. They are layered over the compiled gettext catalogs at run time
(``overrides``), so a wording change needs no release; the catalogs in the
repository stay the base every override falls back to."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StringTranslation(models.Model):
    """One interface string in one language, as the Localization team words it.

    ``draft`` and ``published`` hold the translation's forms (one, or one per
    plural form of the language); ``published`` is what partners read,
    ``None`` leaves the compiled catalog in force."""

    language = models.CharField(_("language"), max_length=15)
    context = models.TextField(_("context"), blank=True, default="")
    msgid = models.TextField(_("source text"))
    msgid_plural = models.TextField(_("source plural"), blank=True, default="")
    draft = models.JSONField(_("draft"), null=True, blank=True)
    published = models.JSONField(_("published translation"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("interface string translation")
        verbose_name_plural = _("interface string translations")
        constraints = [
            models.UniqueConstraint(fields=["language", "context", "msgid"], name="one_string_translation_per_language")
        ]

    def __str__(self):
        return f"{self.language}: {self.msgid[:60]}"


class StringChange(models.Model):
    """Every change to a translation, with who, when and the forms before and
    after: the history a translator reads and reverts from."""

    class Action(models.TextChoices):
        DRAFT = "draft", _("Draft saved")
        IMPORTED = "imported", _("Imported from a PO file")
        PUBLISHED = "published", _("Published")
        REVERTED = "reverted", _("Reverted")

    translation = models.ForeignKey(StringTranslation, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    live = models.BooleanField(_("changed what partners read"), default=False)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("interface string change")
        verbose_name_plural = _("interface string changes")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.translation}"
