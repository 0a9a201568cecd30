"""Form fields shared by the apps' forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

# The largest primary key any backend stores (a signed 64-bit integer).
MAX_INTEGER_KEY = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing a value that cannot be a primary key before it reaches the
    database. Django checks each value with ``filter(pk=value)``, which accepts any integer, and
    then queries ``pk__in``: an integer past 64 bits there raises OverflowError (SQLite) or a
    DataError (PostgreSQL), a server error instead of "not one of the available choices"."""

    def _check_values(self, value):
        meta = self.queryset.model._meta
        key = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        if isinstance(key, models.IntegerField) and isinstance(value, list | tuple):
            for item in value:
                try:
                    number = int(str(item).strip())
                except ValueError:
                    continue  # Django's own check reports it
                if abs(number) > MAX_INTEGER_KEY:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    )
        return super()._check_values(value)
