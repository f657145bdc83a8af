from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_new, name="new"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/stage/", views.deal_stage, name="stage"),
    path("<int:pk>/extend/", views.deal_extend, name="extend"),
    path("<int:pk>/respond/", views.deal_respond, name="respond"),
]
