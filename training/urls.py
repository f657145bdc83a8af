from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<id:page_id>/assessment/", views.assessment, name="assessment"),
    path("attempts/<id:pk>/", views.attempt, name="attempt"),
    path("certificates/<id:pk>/certificate.pdf", views.certificate_download, name="certificate"),
    path("certificates/<id:pk>/badge.png", views.badge_download, name="badge"),
    path("team/", views.team, name="team"),
]
