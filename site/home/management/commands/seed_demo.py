"""Build a believable demo vendor program. Safe to run again: it only adds
what is missing. ``--partners`` grows the number of partner organizations and
``--deals`` the number of deal registrations for benchmarks (bulk inserts)."""

import datetime
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from content.models import SectionPage
from deals.matching import claim_keys, normalize_company_name
from deals.models import DealClaim, DealEvent, DealProductLine, DealRegistration, DealStatus
from home.models import HomePage, PortalBranding
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
from programs.services.tiers import tier_rules_record

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
# Named demo partners: name, domain, type, region, country, tier rank.
PARTNERS = [
    ("Northwind Systems Inc.", "northwind.example", "reseller", "na", "US", 3),
    ("Contoso Managed Services Ltd", "contoso.example", "msp", "emea", "GB", 2),
    ("Fabrikam Integration GmbH", "fabrikam.example", "integrator", "emea", "DE", 4),
    ("Tailspin Cloud SAS", "tailspin.example", "msp", "emea", "FR", 1),
    ("Wide World Distribution KK", "wideworld.example", "distributor", "apac", "JP", 2),
    ("Adatum Referrals S.A.", "adatum.example", "referral", "latam", "MX", 1),
]
SECTIONS = [
    ("Sales", "Battle cards, price lists and deal registration guidance for sales reps."),
    ("Marketing", "Campaign kits, co-branded assets and MDF guidance."),
    ("Technical", "Architecture guides, certifications and support processes."),
    ("Announcements", "Program news from the channel team."),
]
BULK_BATCH = 2000
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
            "--deals",
            type=int,
            default=0,
            help="Total number of deal registrations, spread over all partners (bulk inserts, for benchmarks).",
        )

    def handle(self, *args, partners: int, deals: int = 0, **options):
        if partners < 0:
            raise CommandError("--partners must be zero or more.")
        started = time.monotonic()
        with transaction.atomic():
            home = self.seed_pages()
            self.seed_branding(home)
            tiers = self.seed_program()
            self.seed_named_partners(tiers)
        self.seed_bulk_partners(partners, tiers)
        if deals < 0:
            raise CommandError("--deals must be zero or more.")
        self.seed_bulk_deals(deals)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s."))
        self.print_logins()

    def seed_pages(self) -> HomePage:
        home = HomePage.objects.filter(depth=2).first()
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
        for title, intro in SECTIONS:
            if not home.get_children().filter(title=title).exists():
                home.add_child(instance=SectionPage(title=title, intro=f"<p>{intro}</p>")).save_revision().publish()
        return home

    def seed_branding(self, home: HomePage) -> None:
        site = Site.objects.get(root_page=home)
        PortalBranding.objects.update_or_create(
            site=site, defaults={"vendor_name": "Acme Storage Partner Network", "support_email": "channel@acme.example"}
        )

    def seed_program(self) -> dict[int, Tier]:
        locale = Locale.get_default()
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
                    "tier_since": timezone.now(),
                    "activated_at": timezone.now(),
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
        locale = Locale.get_default()
        lines = [
            ProductLine.objects.get_or_create(code=code, locale=locale, defaults={"name": name})[0]
            for code, name in (("storage", "Storage"), ("cloud-backup", "Cloud Backup"), ("networking", "Networking"))
        ]
        missing = total - DealRegistration.objects.count()
        if missing <= 0:
            return
        organizations = list(PartnerOrganization.objects.values_list("pk", flat=True))
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
        for batch_start in range(start + 1, start + missing + 1, BULK_BATCH):
            batch_end = min(batch_start + BULK_BATCH, start + missing + 1)
            deals = []
            for number in range(batch_start, batch_end):
                name = (
                    f"{rng.choice(DEAL_NAME_WORDS)} {rng.choice(DEAL_NAME_WORDS)} {number:07d} "
                    f"{rng.choice(DEAL_LEGAL_FORMS)}"
                )
                status = rng.choice(statuses)
                approved = status == DealStatus.APPROVED
                deals.append(
                    DealRegistration(
                        organization_id=organizations[number % len(organizations)],
                        idempotency_key=f"seed-{number}",
                        company_name=name,
                        normalized_name=normalize_company_name(name),
                        domain=f"customer{number:07d}.example",
                        country=rng.choice(("US", "GB", "DE", "FR", "JP", "MX")),
                        contact_name="Demo Contact",
                        estimated_value=Decimal(rng.randrange(1_000, 500_000)),
                        currency="USD",
                        expected_close_date=(now + datetime.timedelta(days=rng.randrange(1, 180))).date(),
                        status=status,
                        submitted_at=now - datetime.timedelta(days=rng.randrange(0, 720)),
                        approved_at=now if approved else None,
                        protected_until=now + datetime.timedelta(days=rng.randrange(1, 90)) if approved else None,
                    )
                )
            with transaction.atomic():
                DealRegistration.objects.bulk_create(deals)
                DealProductLine.objects.bulk_create(
                    [DealProductLine(deal=deal, product_line=lines[deal.pk % len(lines)]) for deal in deals]
                )
                DealEvent.objects.bulk_create(
                    [
                        DealEvent(deal=deal, kind="submitted", to_status="submitted", at=deal.submitted_at)
                        for deal in deals
                    ]
                )
                DealClaim.objects.bulk_create(
                    [
                        DealClaim(key=key, product_line=lines[deal.pk % len(lines)], deal=deal)
                        for deal in deals
                        if deal.status == DealStatus.APPROVED
                        for key in claim_keys(
                            normalized_name=deal.normalized_name, domain=deal.domain, country=deal.country
                        )
                    ],
                    ignore_conflicts=True,
                )
        if connection.vendor == "postgresql":
            # Fresh planner statistics, or the first conflict checks use a sequential scan.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE deals_dealregistration, deals_dealproductline, deals_dealclaim")

    def print_logins(self) -> None:
        admin_name, admin_password = DEMO_ADMIN
        slug = PARTNERS[0][1].split(".")[0]
        self.stdout.write(
            "\nDemo logins\n"
            f"  Admin (vendor staff): http://127.0.0.1:8000/admin/  user {admin_name}  password {admin_password}\n"
            f"  Partner portal:       http://127.0.0.1:8000/login/  user {slug}.owner"
            f"  password {DEMO_PARTNER_PASSWORD}\n"
            f"  Other partner users:  <company>.<role>, e.g. {slug}.sales, contoso.marketing, fabrikam.finance;"
            f" same password\n"
        )
