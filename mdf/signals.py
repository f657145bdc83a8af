"""Keep each activity's attributed registrations (``ActivityAttribution``)
current: a registration saved or deleted, a deal linked, moved or unlinked, a
lead of an activity stored or deleted recomputes the activities it touches,
in the same transaction (``mdf.services.attribution``)."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from deals.models import DealRegistration

from .models import ActivityDeal, ActivityLead
from .services.attribution import attributed_request_ids, attribution_refresh

#: the registration's fields the attributed figures read (``update_fields`` may name either spelling)
ATTRIBUTED_FIELDS = frozenset(
    {"status", "estimated_value", "final_amount", "currency", "source_lead", "source_lead_id"}
)


@receiver(post_save, sender=DealRegistration, dispatch_uid="mdf_attribution_deal_saved")
def deal_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not ATTRIBUTED_FIELDS & set(update_fields)):
        return
    # A new registration has no link yet (it is linked after it is saved): only its lead may count it.
    deal_id = None if created else instance.pk
    attribution_refresh(attributed_request_ids(deal_id=deal_id, lead_id=instance.source_lead_id))


@receiver(pre_delete, sender=DealRegistration, dispatch_uid="mdf_attribution_deal_deleting")
def deal_deleting(sender, instance, **kwargs):
    instance._attributed_to = attributed_request_ids(deal_id=instance.pk, lead_id=instance.source_lead_id)


@receiver(post_delete, sender=DealRegistration, dispatch_uid="mdf_attribution_deal_deleted")
def deal_deleted(sender, instance, **kwargs):
    attribution_refresh(getattr(instance, "_attributed_to", ()))


@receiver(pre_save, sender=ActivityDeal, dispatch_uid="mdf_attribution_link_moving")
def link_moving(sender, instance, raw=False, **kwargs):
    instance._request_before = None
    if instance.pk and not raw:
        instance._request_before = sender.objects.filter(pk=instance.pk).values_list("request_id", flat=True).first()


@receiver(post_save, sender=ActivityDeal, dispatch_uid="mdf_attribution_link_saved")
@receiver(post_delete, sender=ActivityDeal, dispatch_uid="mdf_attribution_link_deleted")
def link_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # A deal converted from an activity's lead counts there only while it is linked nowhere.
    lead_id = DealRegistration.objects.filter(pk=instance.deal_id).values_list("source_lead_id", flat=True).first()
    touched = {instance.request_id, getattr(instance, "_request_before", None)}
    attribution_refresh(touched | attributed_request_ids(lead_id=lead_id))


@receiver(post_save, sender=ActivityLead, dispatch_uid="mdf_attribution_lead_saved")
@receiver(post_delete, sender=ActivityLead, dispatch_uid="mdf_attribution_lead_deleted")
def lead_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        attribution_refresh([instance.request_id])
