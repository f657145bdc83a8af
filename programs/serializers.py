"""API fields every app's serializers share."""

from rest_framework import serializers

from .formats import amount_text


class MoneyAmountField(serializers.Field):
    """A stored amount written with its currency's minor digits ("25000.00"
    USD, "1200" JPY, "12.345" KWD), read-only. Amounts are stored with three
    decimals whatever the currency; clients see what the currency has."""

    def __init__(self, *, currency_field: str = "currency", **kwargs):
        self.currency_field = currency_field
        super().__init__(source="*", read_only=True, **kwargs)

    def bind(self, field_name, parent):
        self.amount_field = field_name
        super().bind(field_name, parent)

    def to_representation(self, instance):
        return amount_text(getattr(instance, self.amount_field), getattr(instance, self.currency_field))
