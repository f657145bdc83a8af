from .programs import (
    PASSWORD,
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerTypeFactory,
    PartnerUserFactory,
    RegionFactory,
    TierFactory,
    UserFactory,
    application_form,
)

__all__ = [
    "PASSWORD",
    "CertificationFactory",
    "MembershipFactory",
    "OrganizationFactory",
    "PartnerTypeFactory",
    "PartnerUserFactory",
    "RegionFactory",
    "TierFactory",
    "UserFactory",
    "application_form",
]
