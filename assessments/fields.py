"""Personal data encrypted at rest (UU PDP 27/2022): the NIK is stored as a Fernet token and found
through a keyed hash, so that a database dump or backup holds neither the number nor a hash that
could be reversed by trying every possible NIK (there are only about 10^16 of them).

Keys come from settings (certification/settings.py): KOMPETEN_FIELD_ENCRYPTION_KEYS, newest first
(MultiFernet encrypts with the first and decrypts with any, so a key can be rotated in), and
KOMPETEN_NIK_HASH_KEY for the lookup hash."""

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("KOMPETEN_FIELD_ENCRYPTION_KEYS is empty.")
    return MultiFernet([Fernet(key) for key in keys])


def field_cipher() -> MultiFernet:
    """The cipher for the keys currently in settings (cached per key list)."""
    return _fernet_for(tuple(settings.KOMPETEN_FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return field_cipher().encrypt(value.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return field_cipher().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        # Never fall back to returning the stored text: it would hide a lost key or a row that
        # was written around the field (and show ciphertext as if it were a NIK).
        raise ImproperlyConfigured(
            "An encrypted field cannot be decrypted with KOMPETEN_FIELD_ENCRYPTION_KEYS."
        ) from exc


def nik_lookup_hash(nik: str) -> str:
    """HMAC-SHA256 of the NIK with KOMPETEN_NIK_HASH_KEY, as 64 hex digits: equal NIKs give
    equal hashes (uniqueness, lookups); without the key nobody can test a guessed NIK."""
    key = settings.KOMPETEN_NIK_HASH_KEY.encode()
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.CharField):
    """A short text kept encrypted in the database and plain in Python.

    ``max_length`` limits the plain text (forms, validation); the column is a text column
    because a Fernet token is several times longer. A token is different on every save, so the
    database cannot compare values: every lookup except ``isnull`` is refused (look up a keyed
    hash column instead), and the field cannot be unique."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("unique") or kwargs.get("db_index"):
            raise ImproperlyConfigured(
                "An EncryptedCharField cannot be unique or indexed: use a hash column."
            )
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: filter on its hash column."
            )
        return super().get_lookup(lookup_name)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))


class LookupHashField(models.CharField):
    """The keyed hash (``nik_lookup_hash``) of another field of the row, ``source``: written on
    every insert and update that includes it, bulk_create too, so it cannot drift from the
    value it finds. Never typed by anyone (not editable, may be blank before the first save)."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.update(max_length=64, editable=False, blank=True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "editable", "blank"):
            kwargs.pop(key, None)
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = nik_lookup_hash(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
