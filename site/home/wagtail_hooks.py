from django.urls import path
from wagtail import hooks

from .second_factor import SetupView, VerifyView


@hooks.register("register_admin_urls")
def second_factor_urls():
    return [
        path("second-factor/", VerifyView.as_view(), name="second_factor_verify"),
        path("second-factor/setup/", SetupView.as_view(), name="second_factor_setup"),
    ]
