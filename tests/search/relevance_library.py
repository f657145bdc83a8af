"""A constructed content library and graded queries for the relevance suite
(tests/search/test_relevance.py).

Six product families with two or three generations of models; for each
model a data sheet (with the text of its PDF), a solution brief, an
installation guide, a battle card and price lists for 2025 and 2026; per
family release notes for three firmware versions, case studies, a pitch deck
and announcements; French and German translations of the data sheets and
the 2026 price lists; partner-program documents gated by tier and role; and
the superseded versions of the price lists and data sheets, which the index
keeps only as tombstones (an unpublished or replaced document).

Each entry is what an editor publishes: tests/search/relevance_pages.py
builds it as a real page (an asset, or an announcement where it has no asset
type; a translation, as ``copy_for_translation`` makes it, where it names
``translation_of``; an earlier version of a data sheet replaced through the
page editor where it names ``replaced_by``; a withdrawn, unpublished page for
the other tombstones). ``body_in_file`` marks a body that is the text of the
asset's PDF rather than of its page. Judgments are graded 3 (the answer) … 1
(related); anything the reader may not open, and every tombstone, must not
appear at all.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from search.audience import audience_fields, fields_audience

#: fixed translation keys of the tiers the gated documents name (the test
#: creates the tiers with these keys)
GOLD_TIER_KEY = "6f1c1a52-0f4e-4c47-9a55-6c2f8d1b7a01"
SILVER_TIER_KEY = "6f1c1a52-0f4e-4c47-9a55-6c2f8d1b7a02"


@dataclass(frozen=True)
class Family:
    name: str
    noun: str
    noun_fr: str
    noun_de: str
    product_line: str
    #: oldest first; the last one is the current generation
    models: tuple[str, ...]
    feature: str


FAMILIES = (
    Family("Nimbus", "storage array", "baie de stockage", "Speichersystem", "storage", ("S700", "S800", "S900"),
           "inline deduplication and NVMe drives"),
    Family("Borealis", "backup appliance", "appliance de sauvegarde", "Backup-Appliance", "backup", ("B300", "B400"),
           "immutable snapshots and ransomware recovery"),
    Family("Cirrus", "cloud gateway", "passerelle cloud", "Cloud-Gateway", "cloud", ("C10", "C20"),
           "tiering to object storage"),
    Family("Helix", "network switch", "commutateur réseau", "Netzwerk-Switch", "networking", ("H24", "H48"),
           "25 GbE ports and zero-touch provisioning"),
    Family("Aurora", "firewall", "pare-feu", "Firewall", "security", ("A5", "A7"),
           "intrusion prevention and SD-WAN"),
    Family("Zephyr", "hyperconverged node", "nœud hyperconvergé", "hyperkonvergenter Knoten", "hci", ("Z1", "Z2"),
           "stretched clusters and GPU options"),
)  # fmt: skip
FIRMWARE_VERSIONS = ("3.1", "3.2", "4.0")


@dataclass
class Library:
    #: document id -> source, as the index stores it
    documents: dict[str, dict] = field(default_factory=dict)

    def add(self, doc_id: str, *, title: str, summary: str = "", body: str = "", language: str = "en", **extra):
        age_days = extra.pop("age_days", 30)
        when = timezone.now() - dt.timedelta(days=age_days)
        family_id = extra.pop("family_id", doc_id)
        audience = extra.pop("audience", None)
        self.documents[doc_id] = {
            "kind": "page",
            "object_id": doc_id,
            "url": f"/library/{doc_id}/",
            "language": language,
            "translations": [],
            "family_id": family_id,
            "title": title,
            "summary": summary,
            "body": body,
            "localized": {language: {"title": title, "body": f"{summary} {body}"}},
            "effective_at": when,
            "updated_at": when,
            "deleted": extra.pop("deleted", False),
            **audience_fields(audience),
            **extra,
        }

    def translate(self, source_id: str, language: str, *, title: str, summary: str, body: str):
        source = self.documents[source_id]
        source["translations"] = sorted({*source["translations"], language})
        age = (timezone.now() - source["effective_at"]).days
        self.add(
            f"{source_id}.{language}",
            title=title,
            summary=summary,
            body=body,
            language=language,
            family_id=source["family_id"],
            age_days=age,
            asset_type=source.get("asset_type", ""),
            product_lines=source.get("product_lines", []),
            # wagtail-localize keeps the source's audience on every translation
            audience=fields_audience(source),
            translation_of=source_id,
        )


def slug(*parts: str) -> str:
    return "-".join(part.lower().replace(" ", "-").replace(".", "") for part in parts)


def build_library() -> Library:
    library = Library()
    for family in FAMILIES:
        generations = len(family.models)
        for generation, model in enumerate(family.models):
            # older generations carry older dates
            age = 60 + (generations - 1 - generation) * 420
            line = {"product_lines": [family.product_line]}
            name = f"{family.name} {model}"
            library.add(
                slug(model, "data-sheet"),
                title=f"{name} data sheet",
                summary=f"Specifications of the {name} {family.noun}.",
                body=(
                    f"{name} {family.noun}: {family.feature}. Model {model}, three-year warranty, "
                    f"rack units, power draw and supported firmware {FIRMWARE_VERSIONS[-1]}. "
                    f"Ordering reference {model}-BASE."
                ),
                asset_type="data-sheet",
                version_label="2.0",
                age_days=age,
                body_in_file=True,
                **line,
            )
            library.add(
                slug(model, "data-sheet", "v1"),
                title=f"{name} data sheet",
                summary=f"Specifications of the {name} {family.noun} (first edition).",
                body=f"{name} preliminary specifications, superseded.",
                asset_type="data-sheet",
                version_label="1.0",
                age_days=age + 200,
                deleted=True,
                body_in_file=True,
                replaced_by=slug(model, "data-sheet"),
                **line,
            )
            library.add(
                slug(model, "solution-brief"),
                title=f"{name} solution brief",
                summary=f"Why customers choose the {name}.",
                body=f"A two-page overview of the {name} {family.noun} for business buyers: {family.feature}.",
                asset_type="solution-brief",
                age_days=age + 10,
                **line,
            )
            library.add(
                slug(model, "installation-guide"),
                title=f"{name} installation guide",
                summary=f"Rack, cable and configure the {name}.",
                body=(
                    f"Step-by-step installation of the {name} {family.noun}: unpacking, rack mounting, "
                    "cabling, first boot, licence activation and health checks."
                ),
                asset_type="guide",
                age_days=age + 5,
                audience={"roles": ["technical", "sales"]},
                **line,
            )
            library.add(
                slug(model, "battle-card"),
                title=f"{name} battle card",
                summary=f"Win against competitors with the {name}.",
                body=f"Objection handling, competitor comparison and discovery questions for the {name}.",
                asset_type="battle-card",
                age_days=age + 20,
                **line,
            )
            library.add(
                slug(model, "quick-start"),
                title=f"{name} quick start guide",
                summary=f"The {name} up and running in an hour.",
                body=f"Connect, power on and run the setup wizard of the {name} {family.noun}.",
                asset_type="guide",
                age_days=age + 5,
                **line,
            )
            for year, year_age in (("2025", 400), ("2026", 30)):
                library.add(
                    slug(model, "price-list", year),
                    title=f"{name} price list {year}",
                    summary=f"Partner prices for the {name} in force in {year}.",
                    body=f"List prices, partner discounts and support uplifts for the {name} {family.noun}, {year}.",
                    asset_type="price-list",
                    version_label="2",
                    age_days=year_age,
                    audience={"roles": ["sales", "finance"]},
                    **line,
                )
            library.add(
                slug(model, "price-list", "2026", "v1"),
                title=f"{name} price list 2026",
                summary=f"Partner prices for the {name}, first issue (withdrawn).",
                body=f"Withdrawn prices for the {name}.",
                asset_type="price-list",
                version_label="1",
                age_days=120,
                deleted=True,
                **line,
            )
            library.translate(
                slug(model, "data-sheet"),
                "fr",
                title=f"Fiche technique {name}",
                summary=f"Caractéristiques de la {family.noun_fr} {name}.",
                body=f"Fiche technique de la {family.noun_fr} {name} : capacité, performances, garantie de trois ans.",
            )
            library.translate(
                slug(model, "data-sheet"),
                "de",
                title=f"Datenblatt {name}",
                summary=f"Technische Daten: {family.noun_de} {name}.",
                body=f"Technisches Datenblatt für {family.noun_de} {name}: Kapazität, Leistung und Garantie.",
            )
            library.translate(
                slug(model, "price-list", "2026"),
                "fr",
                title=f"Tarifs {name} 2026",
                summary=f"Grille tarifaire partenaires {name} 2026.",
                body=f"Prix publics, remises partenaires et supports pour {name}, 2026.",
            )
        current = family.models[-1]
        line = {"product_lines": [family.product_line]}
        for index, version in enumerate(FIRMWARE_VERSIONS):
            library.add(
                slug(family.name, "firmware", version),
                title=f"{family.name} firmware {version} release notes",
                summary=f"What changed in {family.name} firmware {version}.",
                body=f"New features, fixed issues and upgrade paths for firmware {version} on {family.name} systems.",
                asset_type="release-notes",
                age_days=700 - index * 300,
                **line,
            )
        for customer, sector in (("Northwind Health", "healthcare"), ("Contoso Bank", "financial services")):
            library.add(
                slug(family.name, "case-study", customer),
                title=f"{customer} case study: {family.name}",
                summary=f"How {customer} modernised with {family.name}.",
                body=f"A {sector} customer story: {customer} deployed the {family.name} {current} {family.noun}.",
                asset_type="case-study",
                age_days=200,
                **line,
            )
        library.add(
            slug(family.name, "reference-architecture"),
            title=f"{family.name} reference architecture",
            summary=f"Validated designs with {family.name}.",
            body=f"Sizing, topology and best practices for {family.name} {current} deployments.",
            asset_type="guide",
            age_days=150,
            audience={"roles": ["technical"]},
            **line,
        )
        library.add(
            slug(family.name, "tco-calculator"),
            title=f"{family.name} TCO calculator",
            summary=f"Total cost of ownership of {family.name} over five years.",
            body=f"Spreadsheet comparing the five-year cost of {family.name} with the installed base.",
            asset_type="tool",
            age_days=130,
            **line,
        )
        library.add(
            slug(family.name, "pitch-deck"),
            title=f"{family.name} pitch deck",
            summary=f"First-meeting presentation for the {family.name} portfolio.",
            body=f"Slides introducing the {family.name} {family.noun} range and its roadmap.",
            asset_type="pitch-deck",
            age_days=90,
            **line,
        )
        library.add(
            slug(family.name, "competitive-playbook"),
            title=f"{family.name} competitive pricing playbook",
            summary=f"Discount guidance and competitive pricing for {family.name} deals.",
            body=f"Approved discount bands and pricing tactics against competitors for {family.name}.",
            asset_type="playbook",
            age_days=45,
            audience={"tiers": [GOLD_TIER_KEY]},
            **line,
        )
        library.add(
            slug(family.name, "launch"),
            title=f"Introducing the {family.name} {current}",
            summary=f"The {family.name} {current} {family.noun} is available to order.",
            body=f"Launch announcement: the {family.name} {current} brings {family.feature}.",
            asset_type="",
            age_days=50,
            **line,
        )
        library.add(
            slug(family.name, "price-change"),
            title=f"{family.name} price changes",
            summary=f"New {family.name} partner prices from next quarter.",
            body=f"Announcement: {family.name} list prices change; see the price list 2026.",
            asset_type="",
            age_days=25,
            **line,
        )
    _program_documents(library)
    return library


def _program_documents(library: Library) -> None:
    """Partner-program documents that are not about one product."""
    add = library.add
    add(
        "deal-registration-guide",
        title="Deal registration guide",
        summary="How to register a deal.",
        body="Register opportunities, protect your deals and track approvals in the portal.",
        asset_type="guide",
        age_days=300,
    )
    add(
        "deal-registration-faq",
        title="Deal registration FAQ",
        summary="Questions partners ask about deals.",
        body="Answers on deal protection periods, conflicts and extensions.",
        asset_type="guide",
        age_days=100,
    )
    add(
        "gold-rebate-grid",
        title="Gold rebate grid 2026",
        summary="Rebates for Gold partners.",
        body="Quarterly rebate percentages and accelerators for Gold partners.",
        asset_type="price-list",
        age_days=40,
        audience={"tiers": [GOLD_TIER_KEY]},
    )
    add(
        "silver-rebate-grid",
        title="Silver rebate grid 2026",
        summary="Rebates for Silver partners.",
        body="Quarterly rebate percentages for Silver partners.",
        asset_type="price-list",
        age_days=40,
        audience={"tiers": [SILVER_TIER_KEY, GOLD_TIER_KEY]},
    )
    add(
        "mdf-claim-guide",
        title="MDF claim guide",
        summary="Claim market development funds.",
        body="Proof of performance, claim deadlines and reimbursement of marketing funds.",
        asset_type="guide",
        age_days=80,
        audience={"roles": ["marketing", "finance"]},
    )
    add(
        "mdf-request-guide",
        title="MDF request guide",
        summary="Request market development funds.",
        body="Plan activities and request marketing development funds before the quarter.",
        asset_type="guide",
        age_days=85,
    )
    add(
        "payment-schedule",
        title="Commission payment schedule",
        summary="When commissions are paid.",
        body="Statement dates, payment runs and the finance contact for commissions.",
        asset_type="guide",
        age_days=60,
        audience={"roles": ["finance"]},
    )
    add(
        "onboarding-checklist",
        title="Partner onboarding checklist",
        summary="Your first 90 days.",
        body="Sign the agreement, complete certifications and set up your team in the portal.",
        asset_type="guide",
        age_days=500,
    )
    add(
        "brand-guidelines",
        title="Co-branding guidelines",
        summary="Logos, colours and co-branded materials.",
        body="Use of the vendor logo, colours and co-branded campaign templates.",
        asset_type="guide",
        age_days=365,
    )
    add(
        "certification-path",
        title="Sales certification path",
        summary="Courses for the sales certification.",
        body="Complete the storage, backup and networking sales courses to become certified.",
        asset_type="guide",
        age_days=150,
    )
    add("warranty-policy", title="Warranty and RMA policy", summary="Returns and replacement parts.",
        body="Three-year hardware warranty, advance replacement and the RMA process for failed drives.",
        asset_type="guide", age_days=220)  # fmt: skip


@dataclass(frozen=True)
class Judgment:
    query: str
    #: document id -> grade (3 perfect … 1 related)
    grades: dict[str, int]
    reader: str = "silver_sales"
    language: str = "en"
    #: ids that must not appear even though the reader may open them
    forbidden: frozenset[str] = frozenset()


def _typo(word: str) -> str:
    """The word with its second-to-last letter dropped (a common slip)."""
    return word[:-2] + word[-1]


def build_judgments() -> list[Judgment]:
    judgments = []
    for family in FAMILIES:
        current, *older = reversed(family.models)
        for model in family.models:
            judgments.append(
                Judgment(
                    f"{model} data sheet",
                    {
                        slug(model, "data-sheet"): 3,
                        slug(model, "solution-brief"): 1,
                        slug(model, "installation-guide"): 1,
                    },
                )
            )
        # Without a model number: the current generation is the answer.
        judgments.append(
            Judgment(
                f"{family.noun} data sheet",
                {
                    slug(current, "data-sheet"): 3,
                    **{slug(model, "data-sheet"): 2 for model in older},
                    slug(current, "solution-brief"): 1,
                },
            )
        )
        judgments.append(
            Judgment(
                f"{family.name} {current} price list 2026",
                {slug(current, "price-list", "2026"): 3, slug(family.name, "price-change"): 1},
            )
        )
        judgments.append(
            Judgment(
                f"{family.name} price list",
                {
                    slug(current, "price-list", "2026"): 3,
                    **{slug(model, "price-list", "2026"): 2 for model in older},
                    slug(current, "price-list", "2025"): 1,
                    slug(family.name, "price-change"): 1,
                },
            )
        )
        judgments.append(
            Judgment(
                f"{_typo(family.name)} {current} installation guide",
                {slug(current, "installation-guide"): 3, slug(current, "data-sheet"): 1},
            )
        )
        judgments.append(
            Judgment(
                f"fiche technique {current}",
                {slug(current, "data-sheet") + ".fr": 3, slug(current, "solution-brief"): 1},
                reader="silver_sales",
                language="fr",
            )
        )
        judgments.append(
            Judgment(
                f"Datenblatt {current}",
                {slug(current, "data-sheet") + ".de": 3},
                language="de",
            )
        )
        # An English term a French reader types: the untranslated battle card
        # is the answer (shown in English).
        judgments.append(
            Judgment(
                f"{current} battle card",
                {slug(current, "battle-card"): 3, slug(family.name, "pitch-deck"): 1},
                language="fr",
            )
        )
        judgments.append(
            Judgment(
                f"{family.name} firmware {FIRMWARE_VERSIONS[-1]} release notes",
                {slug(family.name, "firmware", FIRMWARE_VERSIONS[-1]): 3},
            )
        )
        judgments.append(
            Judgment(
                f"{family.name} case study",
                {
                    slug(family.name, "case-study", "Northwind Health"): 3,
                    slug(family.name, "case-study", "Contoso Bank"): 3,
                },
            )
        )
        judgments.append(
            Judgment(
                f"new {family.name} {family.noun} launch",
                {slug(family.name, "launch"): 3, slug(current, "data-sheet"): 1, slug(family.name, "pitch-deck"): 1},
            )
        )
        judgments.append(
            Judgment(
                f"{family.name} competitive pricing",
                {
                    slug(current, "battle-card"): 2,
                    slug(current, "price-list", "2026"): 2,
                    **{slug(model, "price-list", "2026"): 1 for model in older},
                    slug(family.name, "price-change"): 1,
                },
            )
        )
        judgments.append(
            Judgment(
                f"{family.name} competitive pricing",
                {slug(family.name, "competitive-playbook"): 3, slug(current, "battle-card"): 1},
                reader="gold_sales",
            )
        )
    judgments += [
        Judgment("deal registration", {"deal-registration-guide": 3, "deal-registration-faq": 3}),
        Judgment("registr a deal", {"deal-registration-guide": 3, "deal-registration-faq": 2}),
        Judgment("rebate grid", {"silver-rebate-grid": 3}),
        Judgment("rebate grid", {"gold-rebate-grid": 3, "silver-rebate-grid": 2}, reader="gold_sales"),
        Judgment("MDF claim", {"mdf-request-guide": 1}),
        Judgment("MDF claim", {"mdf-claim-guide": 3, "mdf-request-guide": 1}, reader="silver_finance"),
        Judgment("commission payment", {"payment-schedule": 3}, reader="silver_finance"),
        Judgment("onboarding checklist", {"onboarding-checklist": 3}),
        Judgment("co-branding logo", {"brand-guidelines": 3}),
        Judgment("sales certification", {"certification-path": 3}),
        Judgment("warranty replacement drives", {"warranty-policy": 3}),
        Judgment("ransomware recovery", {slug("B400", "data-sheet"): 3, slug("B300", "data-sheet"): 2,
                                         slug("B400", "solution-brief"): 2, slug("B300", "solution-brief"): 1,
                                         slug("Borealis", "launch"): 2}),
        Judgment("S900-BASE", {slug("S900", "data-sheet"): 3}),
        Judgment("price list 2025", {slug(model, "price-list", "2025"): 2 for family in FAMILIES
                                     for model in family.models}),
        Judgment("TCO calculator", {slug(family.name, "tco-calculator"): 2 for family in FAMILIES}),
        Judgment("quick start S800", {slug("S800", "quick-start"): 3, slug("S800", "installation-guide"): 1}),
    ]  # fmt: skip
    return judgments
