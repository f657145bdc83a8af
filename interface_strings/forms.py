from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .catalogs import translatable_languages

#: an agency's PO file for the whole portal stays well under this
MAX_PO_SIZE = 5 * 1024 * 1024


class StringFilterForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=translatable_languages)
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All strings")),
            ("untranslated", _("Untranslated")),
            ("fuzzy", _("Fuzzy (to check)")),
            ("draft", _("Drafts not published yet")),
            ("published", _("Changed in the admin")),
        ],
    )
    changed_since = forms.DateField(
        label=_("Changed since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class StringTranslationForm(forms.Form):
    """One text area per form of the translation (plural forms for plurals)."""

    def __init__(self, *args, form_count: int, initial_forms: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(form_count):
            label = _("Translation") if form_count == 1 else _("Plural form %(number)s") % {"number": number}
            self.fields[f"form_{number}"] = forms.CharField(
                label=label,
                required=True,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=initial_forms[number] if number < len(initial_forms) else "",
                strip=False,
            )

    def translation_forms(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.fields]


class PoImportForm(forms.Form):
    po_file = forms.FileField(label=_("PO file"))

    def clean_po_file(self):
        upload = self.cleaned_data["po_file"]
        if not upload.name.lower().endswith((".po", ".pot")):
            raise ValidationError(_("Choose a .po file (the format this screen exports)."))
        if upload.size > MAX_PO_SIZE:
            raise ValidationError(
                _("This file is larger than 5 MB; a PO file of the portal's strings is much smaller.")
            )
        return upload.read()
