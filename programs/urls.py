from django.urls import path

from .views import dashboard, tiers

app_name = "programs"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("tier/", tiers.tier_progress, name="tier_progress"),
]
