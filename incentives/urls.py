from django.urls import path

from . import views

app_name = "incentives"

urlpatterns = [
    path("", views.earnings, name="earnings"),
    path("lines/<id:pk>/", views.line_detail, name="line_detail"),
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/<id:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<id:pk>/csv/", views.statement_csv, name="statement_csv"),
    path("statements/<id:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("disputes/", views.dispute_list, name="dispute_list"),
    path("disputes/<id:pk>/", views.dispute_detail, name="dispute_detail"),
    path("programs/", views.programs, name="programs"),
    path("programs/<id:pk>/opt-in/", views.opt_in, name="opt_in"),
]
