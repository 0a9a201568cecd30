"""Masked personal data in templates: ``{{ profile|nik_for:request.user }}`` and
``{{ profile|phone_for:request.user }}`` show the candidate's NIK or phone in full only to those
``assessments.services.sees_personal_data`` allows (the candidate, LSP admins)."""

from django import template

from assessments.services.privacy import mask_nik, mask_phone, sees_personal_data

register = template.Library()


@register.filter
def nik_for(profile, user) -> str:
    if profile is None:
        return ""
    return profile.nik if sees_personal_data(user, profile.user_id) else mask_nik(profile.nik)


@register.filter
def phone_for(profile, user) -> str:
    if profile is None:
        return ""
    if sees_personal_data(user, profile.user_id):
        return profile.phone
    return mask_phone(profile.phone)
