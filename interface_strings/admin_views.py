"""The strings screen of the Localization team (Wagtail admin)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import selectors, services
from .catalogs import plural_forms, string_key, translatable_languages
from .forms import PoImportForm, StringFilterForm, StringTranslationForm
from .models import StringChange

PERMISSION = "interface_strings.change_stringtranslation"
PER_PAGE = 50


class LocalizationTeamOnly:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _language(code: str) -> str:
    if code not in dict(translatable_languages()):
        raise Http404
    return code


def _list_url(language: str) -> str:
    return f"{reverse('interface_strings:index')}?{urlencode({'language': language})}"


class StringListView(LocalizationTeamOnly, WagtailAdminTemplateMixin, TemplateView):
    """Every interface string of one language, filtered and paginated."""

    template_name = "interface_strings/admin/index.html"
    page_title = gettext_lazy("Interface strings")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        languages = dict(translatable_languages())
        if not languages:
            return super().get_context_data(no_languages=True, **kwargs)
        first_language = next(iter(languages))
        data = self.request.GET.copy()
        data.setdefault("language", first_language)
        filters = StringFilterForm(data)
        if filters.is_valid():
            options = filters.cleaned_data
        else:
            options = {"language": first_language, "state": "", "q": "", "changed_since": None}
        language = options["language"]
        rows = selectors.string_rows(
            language=language, state=options["state"], query=options["q"], changed_since=options["changed_since"]
        )
        page = Paginator(rows, PER_PAGE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        return super().get_context_data(
            filters=filters,
            language=language,
            language_name=languages[language],
            page=page,
            total=len(rows),
            query=query.urlencode(),
            draft_count=selectors.draft_count(language=language),
            import_form=PoImportForm(),
            **kwargs,
        )


class StringEditView(LocalizationTeamOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "interface_strings/admin/edit.html"
    page_title = gettext_lazy("Translate an interface string")
    header_icon = "doc-full"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.language = _language(kwargs["language"])
        self.item = selectors.string_row(language=self.language, key=kwargs["key"])
        if self.item is None:
            raise Http404

    def translation_form(self, data=None):
        item = self.item
        return StringTranslationForm(
            data,
            form_count=plural_forms(self.language) if item.source.is_plural else 1,
            initial_forms=item.draft or item.current or list(item.catalog.forms),
        )

    def get_context_data(self, form=None, **kwargs):
        kwargs.pop("key", None)
        kwargs["language"] = self.language
        return super().get_context_data(
            item=self.item,
            language_name=dict(translatable_languages())[self.language],
            form=form or self.translation_form(),
            changes=selectors.string_changes(row=self.item.row),
            back_url=_list_url(self.language),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.translation_form(request.POST)
        publish = "publish" in request.POST
        if form.is_valid():
            try:
                services.string_translation_save(
                    language=self.language,
                    key=self.item.source.key,
                    forms=form.translation_forms(),
                    user=request.user,
                    publish=publish,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if publish:
                    messages.success(request, _("Published: partners read the new wording on their next page."))
                else:
                    messages.success(
                        request, _("Draft saved. Publish it here or with the language's other drafts from the list.")
                    )
                return redirect(request.path)
        messages.validation_error(request, _("The translation could not be saved. Check the message below."), form)
        return self.render_to_response(self.get_context_data(form=form))


class PublishView(LocalizationTeamOnly, View):
    def post(self, request, language):
        language = _language(language)
        count = services.string_translations_publish(language=language, user=request.user)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s draft published: partners read it on their next page.",
                    "%(count)s drafts published: partners read them on their next page.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.warning(request, _("There were no drafts to publish."))
        return redirect(_list_url(language))


class RevertView(LocalizationTeamOnly, View):
    def post(self, request, pk):
        change = get_object_or_404(StringChange.objects.select_related("translation"), pk=pk)
        services.string_change_revert(change=change, user=request.user)
        if change.live:
            messages.success(request, _("Reverted: partners read the earlier wording on their next page."))
        else:
            messages.success(request, _("The draft was reverted."))
        translation = change.translation
        key = string_key(msgid=translation.msgid, context=translation.context)
        return redirect("interface_strings:edit", language=translation.language, key=key)


class ExportView(LocalizationTeamOnly, View):
    def get(self, request, language):
        language = _language(language)
        response = HttpResponse(selectors.catalog_export(language=language), content_type="text/x-gettext-translation")
        response["Content-Disposition"] = f'attachment; filename="portal-{language}.po"'
        return response


class ImportView(LocalizationTeamOnly, View):
    def post(self, request, language):
        language = _language(language)
        form = PoImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("po_file", [_("Choose a PO file to import.")])))
            return redirect(_list_url(language))
        try:
            counts = services.catalog_import(language=language, content=form.cleaned_data["po_file"], user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "Imported: %(drafts)s changed translations are drafts to review and publish; "
                    "%(unchanged)s were unchanged, %(skipped)s skipped (empty, fuzzy or no longer used)."
                )
                % counts,
            )
        return redirect(f"{_list_url(language)}&state=draft")
