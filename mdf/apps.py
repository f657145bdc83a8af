from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"

    def ready(self):
        from deals.registration import RegistrationField, register_deal_registration_field

        from .deal_registration import (
            DEAL_RELATION,
            FIELD_NAME,
            linkable_activity,
            mdf_activity_field,
            mdf_activity_of,
            mdf_activity_registered,
        )

        # Deals does not import mdf: the registration form and API ask mdf for the field and its check.
        register_deal_registration_field(
            RegistrationField(
                name=FIELD_NAME,
                field=mdf_activity_field,
                clean=linkable_activity,
                registered=mdf_activity_registered,
                output=mdf_activity_of,
                select_related=(DEAL_RELATION,),
            )
        )
        from . import signals  # noqa: F401 - receivers keeping the attributed figures current
