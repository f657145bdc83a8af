from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"

    def ready(self):
        from deals.registration import RegistrationField, register_deal_registration_field

        from .deal_registration import FIELD_NAME, mdf_activity_field, mdf_activity_registered

        # Deals does not import mdf: the registration form asks mdf for the field.
        register_deal_registration_field(
            RegistrationField(name=FIELD_NAME, field=mdf_activity_field, registered=mdf_activity_registered)
        )
