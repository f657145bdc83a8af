from django import forms
from django.db import models
from django.utils.text import capfirst

from .models import PartnerRole


class PartnerRolesField(models.JSONField):
    """A list of PartnerRole codes, edited as checkboxes."""

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=PartnerRole.choices,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
        )
