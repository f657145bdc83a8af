from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_new, name="new"),
    path("<id:pk>/", views.deal_detail, name="detail"),
    path("<id:pk>/attachment/", views.deal_attachment, name="attachment"),
    path("<id:pk>/stage/", views.deal_stage, name="stage"),
    path("<id:pk>/extend/", views.deal_extend, name="extend"),
    path("<id:pk>/respond/", views.deal_respond, name="respond"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/<id:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<id:pk>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<id:pk>/decline/", views.lead_decline, name="lead_decline"),
    path("leads/<id:pk>/convert/", views.lead_convert, name="lead_convert"),
]
