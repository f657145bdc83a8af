from django.urls import path

from .views import dashboard, onboarding, profile, tiers

app_name = "programs"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("tier/", tiers.tier_progress, name="tier_progress"),
    path("apply/", onboarding.apply, name="apply"),
    path("apply/thanks/", onboarding.apply_done, name="apply_done"),
    path("profile/", profile.organization_profile, name="organization_profile"),
    path("agreement/", profile.agreement_accept, name="agreement_accept"),
    path("invitations/<str:token>/", onboarding.invitation_accept, name="invitation_accept"),
]
