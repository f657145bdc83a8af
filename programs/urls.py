from django.urls import path

from .views import dashboard

app_name = "programs"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
