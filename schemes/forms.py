"""Forms of the scheme pages."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from schemes.models import SchemeVersion

IMPORT_EXTENSIONS = (".json", ".csv", ".xlsx")


class DraftVersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SchemeVersion) -> str:
        return f"{obj.scheme.number} v{obj.version} · {obj.title}"


class SchemeImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A scheme as JSON, or units of competency as CSV (UTF-8), XLSX or JSON."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    target_version = DraftVersionChoiceField(
        label=_("Put the units into a draft version"),
        queryset=SchemeVersion.objects.none(),
        required=False,
        empty_label=_("No: import the scheme, or the units into the unit library"),
        help_text=_(
            "The file's units are appended to the chosen draft as a new group; units "
            "the draft already holds are brought up to date."
        ),
    )
    group_title = forms.CharField(
        label=_("Title of the new group"),
        max_length=300,
        required=False,
        help_text=_('Only with a draft version; default: "Work group N".'),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_version"].queryset = (
            SchemeVersion.objects.filter(status=SchemeVersion.Status.DRAFT)
            .select_related("scheme")
            .order_by("scheme__number", "-version")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.KOMPETEN_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_big",
            )
        # .xls passes so that the importer can say how to convert it.
        if not upload.name.lower().endswith((*IMPORT_EXTENSIONS, ".xls")):
            raise forms.ValidationError(_("Upload a .json, .csv or .xlsx file."), code="extension")
        return upload
