from django.urls import path

from .views import api_tokens, dashboard, data_rights, onboarding, preferences, profile, team, tiers

app_name = "programs"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("tier/", tiers.tier_progress, name="tier_progress"),
    path("apply/", onboarding.apply, name="apply"),
    path("apply/thanks/", onboarding.apply_done, name="apply_done"),
    path("team/", team.team, name="team"),
    path("team/<id:membership_id>/deactivate/", team.member_deactivate, name="member_deactivate"),
    path("team/invitations/<id:invitation_id>/revoke/", team.invitation_revoke_view, name="invitation_revoke"),
    path("profile/", profile.organization_profile, name="organization_profile"),
    path("api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("api-tokens/<id:token_id>/revoke/", api_tokens.api_token_revoke_view, name="api_token_revoke"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("data-export/", data_rights.data_export, name="data_export"),
    path("data-export/<uuid:export_id>/", data_rights.data_export_download, name="data_export_download"),
    path("agreement/", profile.agreement_accept, name="agreement_accept"),
    path("invitations/<str:token>/", onboarding.invitation_accept, name="invitation_accept"),
]
