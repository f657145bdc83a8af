import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import Locale

from programs.models import (
    Certification,
    Membership,
    OrganizationStatus,
    PartnerOrganization,
    PartnerRole,
    PartnerType,
    ProductLine,
    Region,
    Tier,
)

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save()

    @factory.post_generation
    def groups(user, create, extracted, **kwargs):
        """``UserFactory(groups=["Channel ops"])``: vendor staff in the groups the migrations create."""
        if create and extracted:
            user.groups.add(*(Group.objects.get(name=name) for name in extracted))


class PartnerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerType
        django_get_or_create = ("code", "locale")

    code = "reseller"
    name = factory.LazyAttribute(lambda partner_type: partner_type.code.replace("-", " ").capitalize())
    locale = factory.LazyFunction(Locale.get_default)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "emea"
    name = factory.LazyAttribute(lambda region: region.code.upper())


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cert-{n}")
    name = factory.LazyAttribute(lambda cert: cert.code.replace("-", " ").title())


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)
    locale = factory.LazyFunction(Locale.get_default)


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code", "locale")

    code = "storage"
    name = factory.LazyAttribute(lambda line: line.code.replace("-", " ").title())
    locale = factory.LazyFunction(Locale.get_default)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganization

    name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    partner_type = factory.SubFactory(PartnerTypeFactory)
    region = factory.SubFactory(RegionFactory)
    status = OrganizationStatus.ACTIVE
    country = "GB"
    email_domain = factory.Sequence(lambda n: f"partner{n}.example")
    contact_email = factory.LazyAttribute(lambda org: f"partners@{org.email_domain}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [PartnerRole.OWNER.value])


def PartnerUserFactory(organization=None, roles=None, **user_fields):  # noqa: N802 - reads like a factory
    """A user with an active membership (default: owner of a new organization)."""
    membership = MembershipFactory(
        organization=organization or OrganizationFactory(),
        user=UserFactory(**user_fields),
        roles=roles or [PartnerRole.OWNER.value],
    )
    return membership.user


def application_form(**fields) -> dict:
    """What a company types into the public application form (/apply/)."""
    return {
        "company_name": "Globex Storage GmbH",
        "website": "https://www.globex.example/",
        "partner_type": PartnerTypeFactory().pk,
        "region": RegionFactory().pk,
        "country": "de",
        "contact_name": "Hank Scorpio",
        "contact_email": "hank@globex.example",
        "contact_phone": "+49 30 1234",
        "expected_annual_revenue": "250000.00",
        "expected_revenue_currency": "eur",
        "message": "",
        **fields,
    }
