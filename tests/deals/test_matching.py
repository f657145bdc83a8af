"""Normalization and the conflict check: which pairs must and must not conflict."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from deals.matching import find_conflicts, normalize_company_name, normalize_domain, prefix_similarity
from deals.models import DealStatus
from tests.factories import OrganizationFactory
from tests.factories.deals import ProductLineFactory, register_deal


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ACME, Inc.", "acme"),
        ("Acme Incorporated", "acme"),
        ("Acme Bricks GmbH", "acme bricks"),
        ("Société Générale S.A.", "societe generale"),
        ("Société Générale S. A.", "societe generale"),
        ("The Globex Corporation", "globex"),
        ("Globex Corp.", "globex"),
        ("Initech, LLC", "initech"),
        ("Johnson & Johnson Co., Ltd.", "johnson and johnson"),
        ("Müller Holding AG", "muller holding"),
        ("Nippon Denki K.K.", "nippon denki"),
        ("Limited", "limited"),  # a name that is only a legal form keeps its word
        ("  Wayne   Enterprises  PLC ", "wayne enterprises"),
    ],
)
def test_company_names_are_normalized(raw, normalized):
    assert normalize_company_name(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("acme.com", "acme.com"),
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("http://shop.acme.co.uk:8080/", "shop.acme.co.uk"),
        ("Wile.Coyote@ACME.com", "acme.com"),
        ("www.acme.com.", "acme.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("", ""),
    ],
)
def test_domains_are_normalized(raw, domain):
    assert normalize_domain(raw) == domain


@pytest.mark.parametrize("raw", ["acme", "not a domain", "acme..com", "-acme.com", "acme.c", "http://", "a@b"])
def test_malformed_domains_are_refused_with_a_clear_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_domain(raw)
    assert error.value.messages == ["Enter a website or e-mail domain such as acme.com."]


def test_sqlite_prefix_similarity():
    assert prefix_similarity("acme", "acme") == 1.0
    assert prefix_similarity("acme", "acme bricks") == pytest.approx(4 / 11)
    assert prefix_similarity("acme", "acmebricks") == 0.0
    assert prefix_similarity("", "acme") == 0.0


# (first registration, second registration, conflict?) — each side is
# (company name, domain, country, product line code).
PAIRS = [
    (("ACME, Inc.", "", "US", "storage"), ("Acme Incorporated", "", "US", "storage"), True),
    (("ACME, Inc.", "", "US", "storage"), ("Acme Bricks GmbH", "", "US", "storage"), False),
    (("Société Générale S.A.", "", "FR", "storage"), ("Societe Generale", "", "FR", "storage"), True),
    (("Stark Industries", "", "US", "storage"), ("Stark Industires Inc", "", "US", "storage"), True),
    (
        ("Globex Corporation", "globex.com", "US", "storage"),
        ("Globex Corp.", "https://www.globex.com/x", "US", "storage"),
        True,
    ),
    # Same domain is the same customer whatever the name or country.
    (
        ("Initech LLC", "initech.com", "US", "storage"),
        ("Totally Different Ltd", "bill@initech.com", "GB", "storage"),
        True,
    ),
    (("Initech LLC", "initech.com", "US", "storage"), ("Initech", "initech.io", "US", "storage"), True),
    # A name alone does not cross borders.
    (("Umbrella Corp", "", "US", "storage"), ("Umbrella Corporation", "", "DE", "storage"), False),
    # No overlapping product line, no conflict.
    (("Umbrella Corp", "", "US", "storage"), ("Umbrella Corp", "", "US", "backup"), False),
    (("Wayne Enterprises", "", "US", "storage"), ("Wayne Foods", "", "US", "storage"), False),
    # Free mailboxes say nothing about the company.
    (("Hooli", "gmail.com", "US", "storage"), ("Pied Piper", "gmail.com", "US", "storage"), False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second", "conflict"), PAIRS, ids=[f"{a[0]}~{b[0]}" for a, b, _ in PAIRS])
def test_registration_pairs(first, second, conflict):
    name, domain, country, line = first
    register_deal(
        OrganizationFactory(),
        company_name=name,
        domain=domain,
        country=country,
        product_lines=[ProductLineFactory(code=line)],
    )
    name, domain, country, line = second

    second_deal = register_deal(
        OrganizationFactory(),
        company_name=name,
        domain=domain,
        country=country,
        product_lines=[ProductLineFactory(code=line)],
    )

    assert second_deal.has_conflict is conflict
    assert second_deal.conflicts.exists() is conflict


@pytest.mark.django_db
def test_the_explanation_names_domain_similarity_and_product_line():
    storage = ProductLineFactory(code="storage")
    first = register_deal(OrganizationFactory(), company_name="ACME, Inc.", domain="acme.com", product_lines=[storage])

    second = register_deal(
        OrganizationFactory(), company_name="Acme Incorporated", domain="www.acme.com", product_lines=[storage]
    )

    conflict = second.conflicts.get()
    assert conflict.other == first
    assert (
        conflict.explanation
        == "same domain acme.com, name 100% similar, same country US, overlapping product line Storage"
    )
    assert conflict.score == Decimal("1.00")


@pytest.mark.django_db
def test_own_registrations_and_closed_ones_are_not_conflicts():
    organization = OrganizationFactory()
    register_deal(organization, company_name="Acme Inc")
    closed = register_deal(OrganizationFactory(), company_name="Acme Inc", domain="other-acme.com", country="GB")
    closed.status = DealStatus.EXPIRED
    closed.save()

    again = register_deal(organization, company_name="ACME")

    assert not again.has_conflict


@pytest.mark.django_db
def test_the_threshold_is_configurable():
    from deals.models import DealProgramSettings

    register_deal(OrganizationFactory(), company_name="Stark Industries", domain="")
    settings = DealProgramSettings.load()
    settings.similarity_threshold = Decimal("0.95")
    settings.save()

    typo = register_deal(OrganizationFactory(), company_name="Stark Industires", domain="")

    assert not typo.has_conflict
    assert find_conflicts(
        normalized_name="stark industires",
        domain="",
        country="US",
        product_line_ids=[ProductLineFactory().pk],
        exclude_organization_id=None,
        threshold=Decimal("0.5"),
    )
