"""A registration shared with a co-selling partner's rep (django-guardian
direct foreign-key grant) is visible to that person only."""

import pytest

from deals.models import DealUserObjectPermission
from deals.services import deal_share
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal

pytestmark = pytest.mark.django_db


def test_a_shared_deal_is_visible_to_the_grantee_and_nobody_else_outside_its_owner(client, vendor_staff):
    RoutingRuleFactory()
    owner_org = OrganizationFactory()
    deal = register_deal(owner_org, PartnerUserFactory(organization=owner_org, roles=["sales"]))
    co_seller_org = OrganizationFactory()
    grantee = PartnerUserFactory(organization=co_seller_org, roles=["sales"])
    colleague = PartnerUserFactory(organization=co_seller_org, roles=["sales"])

    deal_share(deal=deal, user=grantee, actor=vendor_staff)

    assert DealUserObjectPermission.objects.filter(user=grantee, content_object=deal).exists()
    client.force_login(grantee)
    assert client.get(f"/deals/{deal.pk}/").status_code == 200
    client.force_login(colleague)
    assert client.get(f"/deals/{deal.pk}/").status_code == 404
    assert deal.events.filter(after__shared_with=grantee.username).exists()


def test_the_grantee_can_only_look(client, vendor_staff):
    RoutingRuleFactory()
    owner_org = OrganizationFactory()
    deal = register_deal(owner_org, PartnerUserFactory(organization=owner_org, roles=["sales"]))
    grantee = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales", "owner"])
    deal_share(deal=deal, user=grantee, actor=vendor_staff)
    client.force_login(grantee)

    for action in ("stage", "extend", "respond"):
        assert client.post(f"/deals/{deal.pk}/{action}/", {"stage": "lost", "reason": "x"}).status_code == 404
    deal.refresh_from_db()
    assert deal.status == "approved"
