from django.apps import AppConfig
from django.urls import register_converter

from .converters import IdConverter


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        # Before any URLconf is imported: partner URLs write ``<id:pk>``.
        register_converter(IdConverter, "id")
