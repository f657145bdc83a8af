from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("pdf/", views.scorecard_pdf, name="scorecard_pdf"),
]
