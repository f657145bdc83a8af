"""Build a believable demo vendor program. Safe to run again: it only adds
what is missing. ``--partners`` grows the number of partner organizations and
``--deals`` the number of deal registrations for benchmarks (bulk inserts)."""

import contextlib
import datetime
import random
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Locale, Page, Site

from content.models import (
    AnnouncementPage,
    AssetPage,
    AssetType,
    CobrandField,
    CobrandKind,
    CobrandTemplatePage,
    CoursePage,
    FormField,
    FormPage,
    LibraryPage,
    SectionPage,
)
from content.rendering import render_pdf
from deals.matching import claim_keys, normalize_company_name
from deals.models import (
    Campaign,
    DealClaim,
    DealEvent,
    DealProductLine,
    DealRegistration,
    DealStatus,
    Lead,
    LeadDistributionRule,
    LeadSource,
)
from deals.services.leads import lead_create
from home.models import HomePage, PortalBranding
from incentives.demo import seed_incentives
from mdf.demo import seed_bulk_requests, seed_mdf_demo
from mdf.models import ActivityType
from programs.models import (
    Certification,
    Membership,
    OrganizationStatus,
    PartnerAgreement,
    PartnerOrganization,
    PartnerRole,
    PartnerType,
    ProductLine,
    ProgramSettings,
    Region,
    Tier,
    TierChangeMode,
)
from programs.services.tiers import tier_rules_record
from support.demo import seed_support_demo
from training.demo import seed_training_demo

DEMO_ADMIN = ("admin", "demo-admin-2026")
DEMO_PARTNER_PASSWORD = "demo-partner-2026"  # noqa: S105 - printed demo credentials, dev data only

PARTNER_TYPES = [
    ("reseller", "Reseller"),
    ("msp", "Managed service provider"),
    ("integrator", "System integrator"),
    ("referral", "Referral partner"),
    ("distributor", "Distributor"),
]
REGIONS = [
    ("na", "North America"),
    ("emea", "Europe, Middle East & Africa"),
    ("apac", "Asia Pacific"),
    ("latam", "Latin America"),
]
PRODUCT_LINES = [("storage", "Storage"), ("cloud-backup", "Cloud Backup"), ("networking", "Networking")]
CERTIFICATIONS = [
    ("storage-sales", "Storage Sales Professional", "Storage"),
    ("storage-engineer", "Storage Certified Engineer", "Storage"),
    ("cloud-architect", "Cloud Backup Architect", "Cloud Backup"),
]
TIERS = [
    # name, rank, colour, min revenue, min deals, min certified people, commission %, protection days, MDF %
    ("Registered", 1, "#6b7280", "0", 0, 0, "5.00", 60, "0.00"),
    ("Silver", 2, "#9ca3af", "100000", 3, 1, "8.00", 90, "1.00"),
    ("Gold", 3, "#d97706", "500000", 10, 3, "12.00", 120, "2.00"),
    ("Platinum", 4, "#4f46e5", "2000000", 25, 6, "15.00", 180, "3.00"),
]
#: how long ago the named demo partners joined the program
PARTNERS_JOINED_DAYS_AGO = 150
# Named demo partners: name, domain, type, region, country, tier rank.
PARTNERS = [
    ("Northwind Systems Inc.", "northwind.example", "reseller", "na", "US", 3),
    ("Contoso Managed Services Ltd", "contoso.example", "msp", "emea", "GB", 2),
    ("Fabrikam Integration GmbH", "fabrikam.example", "integrator", "emea", "DE", 4),
    ("Tailspin Cloud SAS", "tailspin.example", "msp", "emea", "FR", 1),
    ("Wide World Distribution KK", "wideworld.example", "distributor", "apac", "JP", 2),
    ("Adatum Referrals S.A.", "adatum.example", "referral", "latam", "MX", 1),
]
# Sections and the roles they are for (empty: every partner); the audience is
# set only when the section is created, so channel ops' later changes stay.
SECTIONS = [
    ("Sales", "Battle cards, price lists and deal registration guidance for sales reps.", ["owner", "sales"]),
    ("Marketing", "Campaign kits, co-branded assets and joint event requests.", ["owner", "marketing"]),
    ("Technical", "Architecture guides and training for your engineers.", ["owner", "technical"]),
    ("Announcements", "Program news from the channel team.", []),
]
#: the languages demo partners read, by country
COUNTRY_LANGUAGES = {"DE": "de", "FR": "fr", "JP": "ja", "MX": "es"}
#: texts of the demo pages in French and German, as a translator would enter them
PAGE_TRANSLATIONS = {
    "fr": {
        "Partner Portal": "Portail partenaires",
        "Everything you need to sell with us: content, deals, funds and your program status.": (
            "Tout ce qu’il faut pour vendre avec nous : contenus, affaires, fonds et votre statut dans le programme."
        ),
        "Sales": "Ventes",
        "Battle cards, price lists and deal registration guidance for sales reps.": (
            "Argumentaires, listes de prix et conseils d’enregistrement d’affaires pour les commerciaux."
        ),
        "Marketing": "Marketing",
        "Campaign kits, co-branded assets and joint event requests.": (
            "Kits de campagne, supports co-marqués et demandes d’événements communs."
        ),
        "Platinum pricing": "Tarifs Platinum",
        "Special pricing for Platinum partners.": "Tarifs spéciaux pour les partenaires Platinum.",
    },
    "de": {
        "Partner Portal": "Partnerportal",
        "Everything you need to sell with us: content, deals, funds and your program status.": (
            "Alles, was Sie für den Verkauf mit uns brauchen: Inhalte, Deals, Budgets und Ihr Programmstatus."
        ),
        "Sales": "Vertrieb",
        "Battle cards, price lists and deal registration guidance for sales reps.": (
            "Battle Cards, Preislisten und Hinweise zur Deal-Registrierung für den Vertrieb."
        ),
        "Marketing": "Marketing",
        "Campaign kits, co-branded assets and joint event requests.": (
            "Kampagnen-Kits, Co-Branding-Material und Anfragen für gemeinsame Events."
        ),
        "Platinum pricing": "Platinum-Preise",
        "Special pricing for Platinum partners.": "Sonderpreise für Platinum-Partner.",
    },
}
#: tier and product line names as the Localization team translates them
SNIPPET_TRANSLATIONS = {
    "fr": {
        "Registered": "Enregistré",
        "Silver": "Argent",
        "Gold": "Or",
        "Platinum": "Platine",
        "Storage": "Stockage",
        "Cloud Backup": "Sauvegarde cloud",
        "Networking": "Réseau",
        "Event": "Événement",
        "Webinar": "Webinaire",
        "Digital campaign": "Campagne numérique",
        "Content syndication": "Syndication de contenu",
        "Trade show": "Salon professionnel",
    },
    "de": {
        "Registered": "Registriert",
        "Silver": "Silber",
        "Gold": "Gold",
        "Platinum": "Platin",
        "Storage": "Speicher",
        "Cloud Backup": "Cloud-Backup",
        "Networking": "Netzwerk",
        "Event": "Veranstaltung",
        "Webinar": "Webinar",
        "Digital campaign": "Digitale Kampagne",
        "Content syndication": "Content-Syndizierung",
        "Trade show": "Messe",
    },
}
#: the partner agreement owners accept (onboarding and tiers ask for it)
DEMO_AGREEMENT = (
    "2026.1",
    "Partner agreement",
    "<p>This agreement sets out how you resell, register deals and use the vendor's marks. "
    "It runs for one year and renews unless either party ends it with 30 days' notice.</p>",
)
ANNOUNCEMENTS = [
    ("New Storage price list for 2026", "Prices change on 1 December; the new list is in the library."),
    ("Cloud Backup certification now open", "Certified engineers count towards Gold and Platinum."),
]
# title, asset type code, section (None: the library), summary, versions (label, text), days until review
ASSETS = [
    (
        "Storage price list",
        "price-list",
        None,
        "List prices and partner discounts for the Storage line.",
        [("2026.1", "Storage price list 2026.1 (superseded)"), ("2026.2", "Storage price list 2026.2")],
        120,
    ),
    ("Storage battle card", "battle-card", "Sales", "How we win against the usual competitors.", [("3.0", "")], 60),
    ("Cloud Backup data sheet", "data-sheet", None, "Specifications and editions of Cloud Backup.", [("1.4", "")], -5),
    ("Northwind case study", "case-study", None, "How Northwind cut backup windows by 80%.", [("1.0", "")], 200),
]
DEMO_FLYER_HTML = """<div class="band"><img src="{{ partner.logo }}" alt=""> <strong>{{ partner.name }}</strong></div>
<h1>{{ field.headline }}</h1>
<p>Acme Storage keeps your data safe and your backups fast. Ask your local partner.</p>
<p class="contact">{{ partner.name }} · {{ partner.email }} · {{ partner.phone }}<br>{{ partner.address }}</p>"""
DEMO_FLYER_CSS = """@page { size: A5 landscape; margin: 10mm; }
body { font-family: DejaVu Sans, sans-serif; }
.band { border-bottom: 4px solid {{ partner.colour }}; padding-bottom: 4mm; }
.band img { max-height: 14mm; vertical-align: middle; }
h1 { color: {{ partner.colour }}; }"""
DEMO_EMAIL_HTML = """<p><img src="{{ partner.logo }}" alt="{{ partner.name }}"></p>
<h1>{{ field.subject }}</h1>
<p>{{ partner.name }} now protects your data with Acme Storage: backups in minutes, restores in seconds.</p>
<p>{{ partner.name }} · {{ partner.email }} · {{ partner.phone }}</p>"""
DEMO_EMAIL_TEXT = """Subject: {{ field.subject }}

Hello,

{{ partner.name }} now protects your data with Acme Storage: backups in minutes, restores in seconds.
Reply to this email or call us to book a free backup review.

{{ partner.name }}
{{ partner.email }} · {{ partner.phone }} · {{ partner.website }}"""
BULK_BATCH = 2000
#: registrations per COPY batch (PostgreSQL)
BULK_DEALS_BATCH = 20000
#: from this many new registrations, indexes are built after the load rather than maintained row by row
DEFER_INDEXES_FROM = 100_000
# company, domain, country, estimated value (USD)
DEMO_LEADS = [
    ("Umbrella Logistics", "umbrella-logistics.example", "US", "18000"),
    ("Soylent Foods", "soylent.example", "GB", "42000"),
    ("Cyberdyne Robotics", "cyberdyne.example", "DE", "95000"),
    ("Tyrell Biotech", "tyrell.example", "FR", "27500"),
]

# Words for synthetic end-customer names of seeded deal registrations.
_DEAL_NAME_TEXT = (
    "Acme Apex Atlas Aurora Beacon Blue Bright Cascade Cedar Cobalt Crest Delta Eagle Echo Ember Falcon Forge "
    "Frontier Galaxy Granite Harbor Horizon Iron Jade Keystone Lakeside Liberty Lumen Maple Meridian Nova Oak "
    "Orbit Pacific Peak Pine Pioneer Prairie Quantum Radiant Redwood Ridge River Sierra Silver Solar Summit "
    "Terra Titan Union Valley Vertex Vista Willow Zenith Logistics Foods Health Bank Energy Motors Retail "
    "Insurance Pharma Media Labs Systems Holdings Partners Industries Networks Analytics Aerospace Textiles"
)
DEAL_NAME_WORDS = _DEAL_NAME_TEXT.split()
DEAL_LEGAL_FORMS = ("Inc.", "LLC", "Ltd", "GmbH", "S.A.", "SAS", "AG", "BV", "KK", "Corp.", "PLC", "")


@contextlib.contextmanager
def secondary_indexes_deferred(models):
    """Drop the indexes of ``models``' tables that back no constraint, and
    build them again on the way out: PostgreSQL builds an index over a
    million rows far faster than it maintains it row by row."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # Inside a transaction (tests), the deferred foreign key checks
                # must run before PostgreSQL builds an index on those tables.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, definition in indexes:
                cursor.execute(definition)
            if connection.in_atomic_block:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def reserve_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys from ``model``'s sequence."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model, rows: list[dict], **constants) -> None:
    """COPY ``rows`` (column -> value, the same columns in every row) into
    ``model``'s table; every other column gets ``constants`` or what the ORM
    writes for a new instance (field defaults, ``auto_now`` times)."""
    if not rows:
        return
    varying = list(rows[0])
    template = model(**constants)
    fixed = {
        field.column: field.get_db_prep_save(field.pre_save(template, True), connection)
        for field in model._meta.concrete_fields
        if field.column not in varying
    }
    columns = [*varying, *fixed]
    tail = tuple(fixed.values())
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row.values(), *tail))


class Command(BaseCommand):
    help = "Create (or complete) the demo partner program and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--partners",
            type=int,
            default=len(PARTNERS),
            help="Total number of partner organizations (default: the named demo partners only).",
        )
        parser.add_argument(
            "--mdf-requests",
            type=int,
            default=0,
            help="Total number of MDF requests for benchmarks (bulk inserts).",
        )
        parser.add_argument(
            "--deals",
            type=int,
            default=0,
            help="Total number of deal registrations, spread over all partners (bulk inserts, for benchmarks).",
        )

    def handle(self, *args, partners: int, deals: int = 0, mdf_requests: int = 0, **options):
        if settings.PORTAL_ENVIRONMENT == "production":
            # The demo creates a superuser and partners with published passwords.
            raise CommandError(
                "seed_demo refuses to run on production settings: it creates accounts with known passwords."
            )
        if partners < 0:
            raise CommandError("--partners must be zero or more.")
        started = time.monotonic()
        with transaction.atomic():
            home = self.seed_pages()
            self.seed_branding(home)
            tiers = self.seed_program()
            self.seed_content(home, tiers)
            seed_training_demo(home=home)
            self.seed_named_partners(tiers)
            seed_incentives(
                organizations=list(
                    PartnerOrganization.objects.filter(name__in=[p[0] for p in PARTNERS]).order_by("pk")
                ),
                stdout=self.stdout,
            )
            self.seed_leads()
            self.seed_translations(home)
            self.seed_agreement()
            seed_support_demo()
        self.seed_bulk_partners(partners, tiers)
        if deals < 0:
            raise CommandError("--deals must be zero or more.")
        self.seed_bulk_deals(deals)
        # After the bulk partners, so every active one gets an allocation.
        seed_mdf_demo(demo_organization=PartnerOrganization.objects.filter(name=PARTNERS[0][0]).first())
        seed_bulk_requests(mdf_requests)
        # After the MDF demo, whose activity types are snippets to translate too.
        self.seed_snippet_translations()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s."))
        self.print_logins()

    def seed_pages(self) -> HomePage:
        home = HomePage.objects.filter(depth=2, locale=Locale.get_default()).first()
        if home is None:
            root = Page.get_first_root_node()
            home = root.add_child(instance=HomePage(title="Partner Portal", slug="portal", locale=Locale.get_default()))
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"hostname": "localhost", "root_page": home, "site_name": "Partner Portal"},
            )
        if not home.intro:
            home.intro = "<p>Everything you need to sell with us: content, deals, funds and your program status.</p>"
            home.save_revision().publish()
        for title, intro, roles in SECTIONS:
            if not home.get_children().filter(title=title).exists():
                section = SectionPage(title=title, intro=f"<p>{intro}</p>", show_in_menus=True, audience_roles=roles)
                home.add_child(instance=section).save_revision().publish()
        return home

    def seed_content(self, home: HomePage, tiers: dict[int, Tier]) -> None:
        """A library with versioned assets, news, a Platinum-only section, a
        co-branded flyer and a form: one of each thing channel marketing builds."""
        sections = {page.title: page.specific for page in home.get_children()}
        news = sections["Announcements"]
        for title, summary in ANNOUNCEMENTS:
            if not news.get_children().filter(title=title).exists():
                news.add_child(instance=AnnouncementPage(title=title, summary=summary)).save_revision().publish()
        if "Platinum pricing" not in sections:
            platinum = SectionPage(
                title="Platinum pricing", intro="<p>Special pricing for Platinum partners.</p>", show_in_menus=True
            )
            home.add_child(instance=platinum)
            platinum.audience_tiers.set([tiers[4]])
            platinum.save_revision().publish()
        if not CoursePage.objects.filter(title="Storage essentials").exists():
            course = CoursePage(
                title="Storage essentials",
                intro="<p>The product line in 30 minutes: editions, sizing and the questions customers ask.</p>",
                duration_minutes=30,
            )
            home.add_child(instance=course)
            course.save_revision().publish()
        library = home.get_children().type(LibraryPage).first()
        if library is None:
            library = LibraryPage(title="Content library", slug="library", show_in_menus=True)
            home.add_child(instance=library)
            library.save_revision().publish()
        today = timezone.localdate()
        for title, type_code, section_title, summary, versions, review_in_days in ASSETS:
            parent = sections[section_title] if section_title else library.specific
            if AssetPage.objects.filter(title=title).exists():
                continue
            asset_type = AssetType.objects.get(code=type_code, locale=Locale.get_default())
            asset = None
            for label, text in versions:
                document = Document.objects.create(
                    title=f"{title} {label}",
                    file=ContentFile(render_pdf(f"<h1>{text or title}</h1><p>{summary}</p>"), name=f"{title}.pdf"),
                )
                if asset is None:
                    asset = AssetPage(
                        title=title,
                        asset_type=asset_type,
                        summary=summary,
                        document=document,
                        version_label=label,
                        review_by=today + datetime.timedelta(days=review_in_days),
                    )
                    parent.add_child(instance=asset)
                else:
                    asset.document, asset.version_label = document, label
                asset.save_revision().publish()
        marketing = sections["Marketing"]
        if not CobrandTemplatePage.objects.filter(slug="storage-flyer").exists():
            flyer = CobrandTemplatePage(
                title="Storage flyer",
                slug="storage-flyer",
                summary="A one-page flyer with your logo and contact details.",
                html=DEMO_FLYER_HTML,
                css=DEMO_FLYER_CSS,
                text="Talk to {{ partner.name }} about {{ field.headline }}: {{ partner.email }} {{ partner.phone }}",
            )
            flyer.free_fields = [
                CobrandField(name="headline", label="Headline", max_length=60, default="Backups in minutes")
            ]
            marketing.add_child(instance=flyer)
            flyer.save_revision().publish()
        if not CobrandTemplatePage.objects.filter(slug="backup-review-email").exists():
            email = CobrandTemplatePage(
                title="Backup review invitation email",
                slug="backup-review-email",
                kind=CobrandKind.EMAIL,
                summary="An email inviting your customers to a free backup review, signed with your details.",
                html=DEMO_EMAIL_HTML,
                css="@page { size: A4; margin: 12mm; } body { font-family: DejaVu Sans, sans-serif; }",
                text=DEMO_EMAIL_TEXT,
            )
            email.free_fields = [
                CobrandField(name="subject", label="Subject", max_length=80, default="Is your backup ready for 2026?")
            ]
            marketing.add_child(instance=email)
            email.save_revision().publish()
        if not FormPage.objects.filter(slug="request-a-joint-event").exists():
            form = FormPage(
                title="Request a joint event",
                slug="request-a-joint-event",
                intro="<p>Tell us about the event you would like to run with us.</p>",
                thank_you_text="<p>Thanks! Your channel manager will get back to you within two days.</p>",
            )
            form.form_fields = [
                FormField(label="Event name", field_type="singleline", required=True),
                FormField(label="Expected attendees", field_type="number", required=True),
                FormField(label="Preferred date", field_type="date", required=False),
            ]
            marketing.add_child(instance=form)
            form.save_revision().publish()

    def seed_translations(self, home: HomePage) -> None:
        """Every language tree follows the English one (wagtail-localize aliases);
        the home page and a few sections are translated into French and German
        with wagtail-localize, the way the Localization team does in the admin."""
        from wagtail_localize.models import (
            LocaleSynchronization,
            StringSegment,
            StringTranslation,
            Translation,
            TranslationSource,
        )
        from wagtail_localize.synctree import synchronize_tree

        for sync in LocaleSynchronization.objects.select_related("locale", "sync_from"):
            synchronize_tree(sync.sync_from, sync.locale)
        pages = [home, *(page.specific for page in home.get_children().filter(title__in=PAGE_TRANSLATIONS["fr"]))]
        for language_code, texts in PAGE_TRANSLATIONS.items():
            locale = Locale.objects.get(language_code=language_code)
            for page in pages:
                source, _created = TranslationSource.update_or_create_from_instance(page)
                translation, created = Translation.objects.get_or_create(source=source, target_locale=locale)
                if not created:
                    continue
                for segment in StringSegment.objects.filter(source=source).select_related("string", "context"):
                    if segment.string.data in texts:
                        StringTranslation.objects.update_or_create(
                            translation_of=segment.string,
                            locale=locale,
                            context=segment.context,
                            defaults={"data": texts[segment.string.data]},
                        )
                translation.save_target(publish=True)

    def seed_snippet_translations(self) -> None:
        """Tier, product line and MDF activity type names in French and
        German, so partners reading those languages do not see them in English."""
        default = Locale.get_default()
        for language_code, names in SNIPPET_TRANSLATIONS.items():
            locale = Locale.objects.filter(language_code=language_code).first()
            if locale is None:
                continue
            for model in (Tier, ProductLine, ActivityType):
                for source in model.objects.filter(locale=default, name__in=names):
                    if source.get_translation_or_none(locale) is None:
                        translated = source.copy_for_translation(locale)
                        translated.name = names[source.name]
                        translated.save()

    def seed_agreement(self) -> None:
        version, title, body = DEMO_AGREEMENT
        PartnerAgreement.objects.get_or_create(
            version=version, defaults={"title": title, "body": body, "effective_from": timezone.now()}
        )

    def seed_branding(self, home: HomePage) -> None:
        site = Site.objects.get(root_page=home)
        PortalBranding.objects.update_or_create(
            site=site, defaults={"vendor_name": "Acme Storage Partner Network", "support_email": "channel@acme.example"}
        )

    def seed_product_lines(self) -> list[ProductLine]:
        locale = Locale.get_default()
        return [
            ProductLine.objects.get_or_create(code=code, locale=locale, defaults={"name": name})[0]
            for code, name in PRODUCT_LINES
        ]

    def seed_program(self) -> dict[int, Tier]:
        locale = Locale.get_default()
        # Before the leads, incentives and translations that name them.
        self.seed_product_lines()
        for code, name in PARTNER_TYPES:
            PartnerType.objects.get_or_create(code=code, locale=locale, defaults={"name": name})
        for code, name in REGIONS:
            Region.objects.get_or_create(code=code, defaults={"name": name})
        for code, name, product_line in CERTIFICATIONS:
            Certification.objects.get_or_create(
                code=code, defaults={"name": name, "product_line": product_line, "validity_months": 24}
            )
        tiers = {}
        for name, rank, colour, revenue, deals, people, commission, protection, mdf in TIERS:
            tiers[rank], _ = Tier.objects.get_or_create(
                rank=rank,
                locale=locale,
                retired=False,
                defaults={
                    "name": name,
                    "colour": colour,
                    "min_won_revenue": Decimal(revenue),
                    "min_won_deals": deals,
                    "min_certified_people": people,
                    "commission_rate": Decimal(commission),
                    "deal_protection_days": protection,
                    "mdf_allocation_percent": Decimal(mdf),
                },
            )
            # Evaluations read rule versions, so every demo tier needs one.
            tier_rules_record(tier=tiers[rank])
        # The demo partners' tiers are illustrative: their seeded figures do not
        # reach the ladder (no agreement signed, a handful of won deals), so an
        # automatic evaluation, set off by a demo user earning a certification
        # or by the nightly run, would strip every demo partner of its tier.
        # Moves are proposed to the channel account manager instead.
        program = ProgramSettings.load()
        program.tier_change_mode = TierChangeMode.APPROVAL
        program.save(update_fields=["tier_change_mode"])
        return tiers

    def seed_named_partners(self, tiers: dict[int, Tier]) -> None:
        User = get_user_model()
        types = {t.code: t for t in PartnerType.objects.all()}
        regions = {r.code: r for r in Region.objects.all()}
        admin_name, admin_password = DEMO_ADMIN
        if not User.objects.filter(username=admin_name).exists():
            User.objects.create_superuser(admin_name, "admin@acme.example", admin_password)
        # Hashing once keeps seeding fast; every demo partner shares the password.
        partner_password_hash = make_password(DEMO_PARTNER_PASSWORD)
        for name, domain, type_code, region_code, country, tier_rank in PARTNERS:
            organization, _ = PartnerOrganization.objects.get_or_create(
                name=name,
                defaults={
                    "partner_type": types[type_code],
                    "region": regions[region_code],
                    "country": country,
                    "email_domain": domain,
                    "website": f"https://www.{domain}",
                    "contact_email": f"partners@{domain}",
                    "status": OrganizationStatus.ACTIVE,
                    "tier": tiers[tier_rank],
                    "preferred_language": COUNTRY_LANGUAGES.get(country, "en"),
                    "tier_since": timezone.now(),
                    "activated_at": timezone.now(),
                    # Joined before their first deals (the incentives demo submits them 120 days ago):
                    # program analytics' time to first deal is never negative.
                    "created_at": timezone.now() - datetime.timedelta(days=PARTNERS_JOINED_DAYS_AGO),
                },
            )
            slug = domain.split(".")[0]
            for role in PartnerRole:
                username = f"{slug}.{role.value}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = User.objects.create(
                        username=username,
                        email=f"{role.value}@{domain}",
                        password=partner_password_hash,
                        first_name=role.label.split(" ")[0],
                        last_name=slug.capitalize(),
                    )
                Membership.objects.get_or_create(
                    user=user, defaults={"organization": organization, "roles": [role.value]}
                )

    def seed_leads(self) -> None:
        """A campaign, a round-robin distribution rule and a few leads offered
        to the demo partners (once)."""
        if Lead.objects.exists():
            return
        campaign, _ = Campaign.objects.get_or_create(
            code="spring-webinar", defaults={"name": "Spring storage webinar", "starts_on": timezone.localdate()}
        )
        if not LeadDistributionRule.objects.exists():
            LeadDistributionRule.objects.create(name="Every active partner, in turn")
        lines = list(ProductLine.objects.filter(locale=Locale.get_default()).order_by("pk")[:2])
        for company, domain, country, value in DEMO_LEADS:
            lead_create(
                created_by=None,
                source=LeadSource.CAMPAIGN,
                campaign=campaign,
                company_name=company,
                domain=domain,
                country=country,
                contact_name="Demo Contact",
                contact_email=f"it@{domain}",
                estimated_value=Decimal(value),
                currency="USD",
                product_lines=lines[:1],
            )

    def seed_bulk_partners(self, total: int, tiers: dict[int, Tier]) -> None:
        missing = total - PartnerOrganization.objects.count()
        if missing <= 0:
            return
        types = list(PartnerType.objects.all())
        regions = list(Region.objects.all())
        tier_list = [tiers[rank] for rank in sorted(tiers)]
        start = PartnerOrganization.objects.filter(name__startswith="Demo Partner ").count()
        now = timezone.now()
        self.stdout.write(f"Adding {missing} partner organizations…")
        batch = []
        for number in range(start + 1, start + missing + 1):
            batch.append(
                PartnerOrganization(
                    name=f"Demo Partner {number:06d}",
                    partner_type=types[number % len(types)],
                    region=regions[number % len(regions)],
                    email_domain=f"partner{number:06d}.example",
                    country="US",
                    status=OrganizationStatus.ACTIVE,
                    tier=tier_list[number % len(tier_list)],
                    tier_since=now,
                    activated_at=now,
                )
            )
            if len(batch) >= BULK_BATCH:
                PartnerOrganization.objects.bulk_create(batch)
                batch = []
        PartnerOrganization.objects.bulk_create(batch)

    def seed_bulk_deals(self, total: int) -> None:
        """Deal registrations with believable customer names, most of them
        closed (the conflict check only looks at active ones)."""
        lines = self.seed_product_lines()
        missing = total - DealRegistration.objects.count()
        if missing <= 0:
            return
        start = DealRegistration.objects.filter(idempotency_key__startswith="seed-").count()
        rng = random.Random(start)
        now = timezone.now()
        # Weighted: most registrations in a mature program are closed.
        statuses = (
            [DealStatus.EXPIRED] * 4
            + [DealStatus.WON] * 2
            + [DealStatus.LOST] * 2
            + [
                DealStatus.APPROVED,
                DealStatus.UNDER_REVIEW,
            ]
        )
        self.stdout.write(f"Adding {missing} deal registrations…")
        # PostgreSQL: rows streamed with COPY from plain tuples (a million
        # registrations in minutes; model instances cost most of the time).
        fast = connection.vendor == "postgresql"
        deferred = secondary_indexes_deferred([DealRegistration, DealProductLine, DealEvent, DealClaim])
        with deferred if fast and missing >= DEFER_INDEXES_FROM else contextlib.nullcontext():
            self.add_deals(rows_from=start + 1, count=missing, rng=rng, now=now, statuses=statuses, lines=lines)
        if connection.vendor == "postgresql":
            # Fresh planner statistics, or the first conflict checks use a sequential scan.
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE deals_dealregistration, deals_dealproductline, deals_dealclaim, deals_dealevent"
                )

    def add_deals(self, *, rows_from: int, count: int, rng, now, statuses, lines) -> None:
        organizations = list(PartnerOrganization.objects.values_list("pk", flat=True))
        fast = connection.vendor == "postgresql"
        start, missing = rows_from - 1, count
        for batch_start in range(start + 1, start + missing + 1, BULK_DEALS_BATCH if fast else BULK_BATCH):
            batch_end = min(batch_start + (BULK_DEALS_BATCH if fast else BULK_BATCH), start + missing + 1)
            rows = []
            for number in range(batch_start, batch_end):
                name = (
                    f"{rng.choice(DEAL_NAME_WORDS)} {rng.choice(DEAL_NAME_WORDS)} {number:07d} "
                    f"{rng.choice(DEAL_LEGAL_FORMS)}"
                )
                status = rng.choice(statuses)
                approved = status == DealStatus.APPROVED
                rows.append(
                    {
                        "organization_id": organizations[number % len(organizations)],
                        "idempotency_key": f"seed-{number}",
                        "company_name": name,
                        "normalized_name": normalize_company_name(name),
                        "domain": f"customer{number:07d}.example",
                        "country": rng.choice(("US", "GB", "DE", "FR", "JP", "MX")),
                        "estimated_value": Decimal(rng.randrange(1_000, 500_000)),
                        "expected_close_date": (now + datetime.timedelta(days=rng.randrange(1, 180))).date(),
                        "status": str(status),
                        "submitted_at": now - datetime.timedelta(days=rng.randrange(0, 720)),
                        "approved_at": now if approved else None,
                        "protected_until": now + datetime.timedelta(days=rng.randrange(1, 90)) if approved else None,
                    }
                )
            with transaction.atomic():
                if fast:
                    self.copy_deals(rows, lines)
                else:
                    self.create_deals(rows, lines)

    def create_deals(self, rows: list[dict], lines: list[ProductLine]) -> None:
        """Registrations with their product line, submission event and claims (the ORM: any database)."""
        deals = DealRegistration.objects.bulk_create(
            [DealRegistration(contact_name="Demo Contact", currency="USD", **row) for row in rows]
        )
        DealProductLine.objects.bulk_create(
            [DealProductLine(deal=deal, product_line=lines[deal.pk % len(lines)]) for deal in deals]
        )
        DealEvent.objects.bulk_create(
            [DealEvent(deal=deal, kind="submitted", to_status="submitted", at=deal.submitted_at) for deal in deals]
        )
        self.create_claims([(deal.pk, row) for deal, row in zip(deals, rows, strict=True)], lines)

    def copy_deals(self, rows: list[dict], lines: list[ProductLine]) -> None:
        """The same rows as ``create_deals``, written with PostgreSQL's COPY:
        ids are reserved from the sequences, the other columns hold what the
        ORM would have written for a new instance."""
        ids = reserve_ids(DealRegistration, len(rows))
        copy_rows(
            DealRegistration,
            [{"id": pk, **row} for pk, row in zip(ids, rows, strict=True)],
            contact_name="Demo Contact",
            currency="USD",
        )
        copy_rows(
            DealProductLine,
            [
                {"id": line_id, "deal_id": pk, "product_line_id": lines[pk % len(lines)].pk}
                for line_id, pk in zip(reserve_ids(DealProductLine, len(ids)), ids, strict=True)
            ],
        )
        copy_rows(
            DealEvent,
            [
                {"id": event_id, "deal_id": pk, "at": row["submitted_at"]}
                for event_id, pk, row in zip(reserve_ids(DealEvent, len(ids)), ids, rows, strict=True)
            ],
            kind="submitted",
            to_status="submitted",
        )
        self.create_claims(list(zip(ids, rows, strict=True)), lines)

    def create_claims(self, deals: list[tuple[int, dict]], lines: list[ProductLine]) -> None:
        DealClaim.objects.bulk_create(
            [
                DealClaim(key=key, product_line=lines[pk % len(lines)], deal_id=pk)
                for pk, row in deals
                if row["status"] == DealStatus.APPROVED
                for key in claim_keys(
                    normalized_name=row["normalized_name"], domain=row["domain"], country=row["country"]
                )
            ],
            ignore_conflicts=True,
        )

    def print_logins(self) -> None:
        admin_name, admin_password = DEMO_ADMIN
        slug = PARTNERS[0][1].split(".")[0]
        self.stdout.write(
            "\nDemo logins\n"
            f"  Admin (vendor staff): http://127.0.0.1:8000/admin/  user {admin_name}  password {admin_password}\n"
            "                        then scan the QR code with an authenticator app (staff need a second factor)\n"
            f"  Partner portal:       http://127.0.0.1:8000/login/  user {slug}.owner"
            f"  password {DEMO_PARTNER_PASSWORD}\n"
            f"  Other partner users:  <company>.<role>, e.g. {slug}.sales, contoso.marketing, fabrikam.finance;"
            f" same password\n"
        )
