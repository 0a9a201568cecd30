"""A filter bar's field with Bootstrap's markup, as crispy-forms prints it, for list pages.

crispy-forms renders each field through a dozen nested templates: on the admin's application
queue its six filter fields were a quarter of the page's time (docs/performance.md). Filter bars
need only a label, the widget with Bootstrap's classes and the errors, which
``partials/filter_field.html`` prints with this filter."""

from django import forms, template

register = template.Library()


@register.filter
def bootstrap_widget(field):
    """The bound field's widget with ``form-select`` (a select) or ``form-control`` (anything
    else), plus ``is-invalid`` when the field has errors (Django adds aria-invalid itself)."""
    css = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
