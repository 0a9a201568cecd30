"""Forms of the LSP admin's console (assessors, TUK, events). They carry what the admin types;
the acting user, statuses and verification outcomes come from the session and the services."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.form_fields import ModelMultipleChoiceField
from assessments.models import TUK, AssessorProfile, TUKVerification, met_validator
from assessments.services.admin import TUK_VERIFICATION_ITEMS
from schemes.models import Scheme, SchemeVersion

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO_AVAILABLE = [("1", _("Ada")), ("0", _("Tidak"))]
YES_NO_SUITABLE = [("1", _("Sesuai")), ("0", _("Tidak"))]


class LicenceState:
    VALID = "valid"
    ENDING = "ending"
    EXPIRED = "expired"
    CHOICES = [
        ("", _("Any licence state")),
        (VALID, _("Valid")),
        (ENDING, _("Ending within 90 days")),
        (EXPIRED, _("Expired")),
    ]


class AssessorFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, email or MET")}),
    )
    scheme = forms.ModelChoiceField(
        label=_("Scheme in scope"),
        queryset=Scheme.objects.all(),
        required=False,
        empty_label=_("Any scheme"),
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=LicenceState.CHOICES, required=False)


class AssessorForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    met_number = forms.CharField(
        label=_("MET number"),
        max_length=32,
        validators=[met_validator],
        help_text=_("For example MET.000.004512.2019"),
    )
    licence_valid_until = forms.DateField(label=_("Licence valid until"), widget=DATE)
    scope = ModelMultipleChoiceField(
        label=_("Scope (schemes)"),
        queryset=Scheme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=AssessorProfile.Status.choices,
        initial=AssessorProfile.Status.ACTIVE,
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        required=False,
        help_text=_("Recorded in the history, e.g. licence renewed."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            # The account is fixed once registered; only the profile changes here.
            del self.fields["email"]
            del self.fields["full_name"]
        else:
            del self.fields["reason"]


class TUKForm(forms.ModelForm):
    class Meta:
        model = TUK
        fields = [
            "code",
            "name",
            "tuk_type",
            "address",
            "city",
            "time_zone",
            "contact_name",
            "contact_phone",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class TUKVerificationForm(forms.Form):
    """The BNSP checklist: each facility and equipment item Ada/Tidak and Sesuai/Tidak."""

    conclusion = forms.ChoiceField(
        label=_("Conclusion"), choices=TUKVerification.Conclusion.choices, widget=forms.RadioSelect
    )
    verifier = forms.ModelChoiceField(label=_("Verifier"), queryset=get_user_model().objects.none())
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE, initial=datetime.date.today)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(Q(is_lsp_admin=True) | Q(is_assessor=True))
        self.fields["verifier"].queryset = users.order_by("full_name")
        self.items = []
        for group, items in TUK_VERIFICATION_ITEMS.items():
            for index, item in enumerate(items):
                key = f"{group}_{index}"
                self.fields[f"{key}_available"] = forms.ChoiceField(
                    label=item, choices=YES_NO_AVAILABLE, widget=forms.RadioSelect
                )
                self.fields[f"{key}_suitable"] = forms.ChoiceField(
                    label=item, choices=YES_NO_SUITABLE, widget=forms.RadioSelect
                )
                self.items.append((group, key, item))

    def item_rows(self):
        for group, key, item in self.items:
            yield group, item, self[f"{key}_available"], self[f"{key}_suitable"]

    def checklist(self) -> list[dict]:
        return [
            {
                "group": group,
                "item": str(item),
                "available": self.cleaned_data[f"{key}_available"] == "1",
                "suitable": self.cleaned_data[f"{key}_suitable"] == "1",
            }
            for group, key, item in self.items
        ]


class EventForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    scheme_version = forms.ModelChoiceField(
        label=_("Scheme version"),
        queryset=SchemeVersion.objects.filter(status=SchemeVersion.Status.PUBLISHED).select_related(
            "scheme"
        ),
    )
    tuk = forms.ModelChoiceField(
        label=_("TUK"),
        queryset=TUK.objects.filter(verification_status=TUK.Verification.SESUAI),
        help_text=_("Only TUK verified as Sesuai are listed."),
    )
    local_starts_at = forms.DateTimeField(label=_("Starts at (TUK local time)"), widget=DATETIME)
    local_ends_at = forms.DateTimeField(label=_("Ends at (TUK local time)"), widget=DATETIME)
    quota = forms.IntegerField(label=_("Quota"), min_value=1)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("code", "scheme_version", "tuk"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        # Django reads the typed value in the active time zone; what the admin typed is the
        # TUK's wall-clock time, so hand the services the naive value as typed.
        for name in ("local_starts_at", "local_ends_at"):
            value = cleaned.get(name)
            if value is not None and timezone.is_aware(value):
                cleaned[name] = timezone.make_naive(value)
        start, end = cleaned.get("local_starts_at"), cleaned.get("local_ends_at")
        if start and end and end <= start:
            self.add_error("local_ends_at", _("The event must end after it starts."))
        return cleaned


class AssignAssessorForm(forms.Form):
    assessor = forms.ModelChoiceField(
        label=_("Assessor"),
        queryset=get_user_model()
        .objects.filter(is_assessor=True, assessor_profile__isnull=False)
        .order_by("full_name"),
    )


class PlaceCandidateForm(forms.Form):
    assessment = forms.TypedChoiceField(label=_("Accepted candidate"), coerce=int)
    assessor = forms.TypedChoiceField(label=_("Assessor"), coerce=int)
    override_reason = forms.CharField(
        label=_("Override reason (only for a declared conflict, by another admin)"),
        required=False,
        max_length=500,
    )

    def __init__(self, *args, candidates, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].choices = [
            (a.pk, f"{a.candidate.full_name or a.candidate.email}") for a in candidates
        ]
        self.fields["assessor"].choices = [(u.pk, u.full_name or u.email) for u in assessors]


class ReassignForm(forms.Form):
    assessor = forms.TypedChoiceField(label=_("Move to assessor"), coerce=int)
    override_reason = forms.CharField(label=_("Override reason"), required=False, max_length=500)

    def __init__(self, *args, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].choices = [(u.pk, u.full_name or u.email) for u in assessors]
