from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("<id:pk>/", views.case_detail, name="case_detail"),
    path("<id:pk>/reply/", views.case_reply_view, name="case_reply"),
    path("<id:pk>/reopen/", views.case_reopen_view, name="case_reopen"),
    path("<id:pk>/share/", views.case_share_view, name="case_share"),
    path("<id:case_pk>/files/<id:pk>/", views.case_attachment_download, name="case_attachment"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<id:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
]
