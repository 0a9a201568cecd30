"""Forms of the admin console: batch registration, the results export, the question bank, a
draft version's requirements and the version diff. None takes a privileged field from the POST:
the scheme, the version and the acting admin come from the URL and the request."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import AssessmentEvent, BankQuestion, DocumentKind
from certification import reports
from schemes.models import Scheme, SchemeVersion

MAX_BATCH_BYTES = 5 * 1024 * 1024


class BatchUploadForm(forms.Form):
    event = forms.ModelChoiceField(
        label=_("Event"),
        queryset=AssessmentEvent.objects.none(),
        help_text=_("Open events only; the candidates are registered for its scheme version."),
    )
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = (
            AssessmentEvent.objects.filter(
                status=AssessmentEvent.Status.OPEN, starts_at__gt=timezone.now()
            )
            .select_related("scheme_version__scheme")
            .order_by("starts_at")
        )
        self.fields["event"].label_from_instance = lambda e: (
            f"{e.code} {e.name} — {e.scheme_version.scheme.number} v{e.scheme_version.version}"
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_BATCH_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_BATCH_BYTES // 1024 // 1024}
            )
        if not uploaded.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return uploaded


class ExportForm(forms.Form):
    FORMATS = (("xlsx", "XLSX"), ("csv", "CSV"))

    event = forms.ModelChoiceField(
        label=_("Event"),
        queryset=AssessmentEvent.objects.select_related("scheme_version").order_by("-starts_at"),
        required=False,
        help_text=_("Leave empty to export a period."),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    scheme = forms.ModelChoiceField(
        label=_("Scheme"), queryset=Scheme.objects.order_by("number"), required=False
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"), widget=forms.CheckboxSelectMultiple, required=True
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=FORMATS, initial="xlsx", widget=forms.RadioSelect
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = reports.allowed_columns(user)
        self.fields["columns"].choices = [(c.key, c.label) for c in allowed]
        allowed_keys = {c.key for c in allowed}
        self.fields["columns"].initial = [k for k in reports.DEFAULT_COLUMNS if k in allowed_keys]

    def clean(self):
        data = super().clean()
        if not data.get("event") and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Choose an event, or a period (from and until)."))
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The period ends before it starts."))
        return data


class BankQuestionForm(forms.ModelForm):
    unit_code = forms.ChoiceField(label=_("Unit"), required=False)

    class Meta:
        model = BankQuestion
        fields = ["instrument", "unit_code", "text", "expected_answer"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "expected_answer": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("All units of the scheme"))] + list(unit_choices)
        current = self.instance.unit_code if self.instance and self.instance.pk else ""
        # A question written for a unit that a later version dropped stays editable.
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["unit_code"].choices = choices


class RequirementsForm(forms.Form):
    requirements = forms.CharField(
        label=_("Basic requirements (persyaratan dasar)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("One requirement per line."),
    )
    required_documents = forms.MultipleChoiceField(
        label=_("Required documents"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fee = forms.DecimalField(label=_("Fee (Rp)"), min_value=0, max_digits=12, decimal_places=0)
    validity_years = forms.IntegerField(
        label=_("Certificate validity (years)"), min_value=1, max_value=10
    )


class DiffForm(forms.Form):
    old = forms.ModelChoiceField(label=_("From version"), queryset=SchemeVersion.objects.none())
    new = forms.ModelChoiceField(label=_("To version"), queryset=SchemeVersion.objects.none())

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        versions = SchemeVersion.objects.filter(scheme=scheme).order_by("-version")
        for name in ("old", "new"):
            self.fields[name].queryset = versions
            self.fields[name].label_from_instance = lambda v: (
                f"v{v.version} ({v.get_status_display()}) {v.title}"
            )
