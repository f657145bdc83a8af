from django.urls import path

from . import views

app_name = "content"

urlpatterns = [
    path("assets/<id:asset_id>/download/", views.asset_download, name="asset_download"),
    path("versions/<id:version_id>/download/", views.version_download, name="version_download"),
    path("courses/", views.courses, name="courses"),
    path("courses/<id:page_id>/lessons/<id:number>/", views.course_lesson, name="course_lesson"),
    path("courses/<id:page_id>/<str:step>/", views.course_progress, name="course_progress"),
    path("cobrand/<id:page_id>/generate/", views.cobrand_generate, name="cobrand_generate"),
    path("cobrand/generations/<uuid:generation_id>/", views.generation_status, name="generation_status"),
    path("cobrand/generations/<uuid:generation_id>/<str:kind>/", views.generation_file, name="generation_file"),
]
