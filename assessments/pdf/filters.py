"""Template filters built into the PDF template engine (no ``{% load %}`` needed in
templates/pdf/). Every filter returns plain text: autoescaping still applies to what they get."""

from django import template
from django.utils.translation import gettext as _

from assessments.pdf import formatting

register = template.Library()

register.filter("tanggal", formatting.tanggal)
register.filter("hari_tanggal", formatting.hari_tanggal)
register.filter("jam", formatting.jam)
register.filter("tanggal_jam", formatting.tanggal_jam)


@register.filter
def ya_tidak(value) -> str:
    """True -> Ya, False -> Tidak, None (not recorded) -> an empty string."""
    if value is None or value == "":
        return ""
    return _("Yes") if value else _("No")


@register.filter
def mark(value) -> str:
    """A check mark for a ticked box on the form, nothing otherwise."""
    return "\u2713" if value else ""


@register.filter
def box(value) -> str:
    """A ballot box, ticked or empty, for checkbox lists printed on the form."""
    return "\u2611" if value else "\u2610"
