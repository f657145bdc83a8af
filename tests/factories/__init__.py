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
]
