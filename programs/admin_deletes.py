"""Deleting snippets in the admin: one row at a time, through the app's
service where it has one, always with who and when.

Wagtail's bulk delete (the listing's checkboxes) removes the chosen rows with
one query: no log entry and no service, whatever the model's delete view does.
Every snippet listing's bulk delete comes here instead (the
``before_bulk_action`` hook in programs' wagtail_hooks), and:

- a viewset with :class:`DeleteThroughService` deletes each row through its
  ``delete_service`` (which logs and does what the deletion implies: the tier
  re-evaluated after a certification is removed, converted amounts after a
  rate is deleted), the same call its delete view makes;
- a viewset with :class:`NoBulkDelete` lists records of what happened
  (requests, claims, allocations, organizations, memberships) whose rows are
  changed or retired through services, never deleted by the dozen: its
  listing offers no selection and a bulk request deletes nothing;
- any other snippet is deleted row by row with the delete view's log entry,
  so Reports → Site history says who deleted what and when.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.log_actions import log
from wagtail.snippets.views import snippets as snippet_views


class _DeleteViewThroughService:
    def delete_action(self):
        self.delete_service(instance=self.object, user=self.request.user)


class DeleteThroughService:
    """Viewset mixin: the delete view and the listing's bulk delete both call
    ``delete_service(instance=, user=)``, a service that logs the deletion and
    raises ``ValidationError`` with a message when it refuses."""

    #: the app's service deleting one row as ``user``
    delete_service: Callable

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        service = type(self).delete_service
        self.delete_view_class = type(
            f"{self.model.__name__}DeleteThroughService",
            (_DeleteViewThroughService, self.delete_view_class),
            {"delete_service": staticmethod(service)},
        )


class IndexWithoutBulkActions(snippet_views.IndexView):
    @cached_property
    def columns(self):
        return [column for column in super().columns if not isinstance(column, BulkActionsCheckboxColumn)]


class NoBulkDelete:
    """Viewset mixin for records of what happened: the listing has no bulk
    selection, and a bulk delete request is refused with a message."""

    index_view_class = IndexWithoutBulkActions
    # The generic listing, without the snippets' bulk-action footer.
    index_template_name = "wagtailadmin/generic/index.html"
    bulk_delete_refused = True


def snippet_delete(*, viewset, instance, user) -> None:
    """Delete one row as its delete view would: through the viewset's service,
    else with Wagtail's log entry (who, when) in the same transaction."""
    service = getattr(type(viewset), "delete_service", None)
    if service is not None:
        service(instance=instance, user=user)
        return
    with transaction.atomic():
        log(instance=instance, action="wagtail.delete", user=user, deleted=True)
        instance.delete()


def bulk_delete(request, action_type, objects, action_class_instance):
    """``before_bulk_action``: the listing's bulk delete, one row at a time
    (see the module docstring). Rows a service refuses, or that other records
    still need, stay, each with its reason."""
    model = getattr(action_class_instance, "model", None)
    viewset = getattr(model, "snippet_viewset", None)
    if action_type != "delete" or viewset is None:
        return None
    if getattr(viewset, "bulk_delete_refused", False):
        messages.error(
            request,
            _("%(items)s cannot be deleted in bulk: they record what happened. Open one to change it.")
            % {"items": model._meta.verbose_name_plural.capitalize()},
        )
        return redirect(action_class_instance.next_url)
    deleted = 0
    for instance in objects:
        try:
            snippet_delete(viewset=viewset, instance=instance, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, f"{instance}: {message}")
            continue
        except ProtectedError:
            messages.error(
                request,
                _("%(item)s: other records still use it, so it was kept.") % {"item": instance},
            )
            continue
        deleted += 1
    if deleted:
        messages.success(
            request,
            ngettext("%(count)d %(items)s deleted.", "%(count)d %(items)s deleted.", deleted)
            % {
                "count": deleted,
                "items": model._meta.verbose_name if deleted == 1 else model._meta.verbose_name_plural,
            },
        )
    return redirect(action_class_instance.next_url)
