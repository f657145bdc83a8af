from django.urls import path

from . import views

app_name = "mdf"

urlpatterns = [
    path("", views.home, name="home"),
    path("allocations/<id:allocation_id>/", views.ledger, name="ledger"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<id:pk>/", views.request_detail, name="request_detail"),
    path("requests/<id:pk>/cancel/", views.request_cancel_view, name="request_cancel"),
    path("requests/<id:pk>/claim/", views.claim_new, name="claim_new"),
    path("requests/<id:pk>/leads/", views.leads_upload, name="leads_upload"),
    path("requests/<id:pk>/deals/", views.deal_link, name="deal_link"),
    path("proof/<id:pk>/", views.proof_download, name="proof"),
]
