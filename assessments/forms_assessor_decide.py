"""Forms of the assessor's steps 3-6: evidence review (FR.IA.08), requests for more evidence,
third-party verification (FR.IA.10), the decision per unit (FR.AK.02), feedback and the event
report (FR.AK.05). None of them takes a privileged field (assessment, assessor, state) from the
POST: views pass those to the services from the URL and the session."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessments.models import EventReport, ThirdPartyVerification, UnitDecision
from assessments.services.assessor import THIRD_PARTY_QUESTIONS

# The KUK checkboxes, outcome radios and phrase buttons are laid out by hand in the templates
# (grouped by unit and element); the forms validate and keep what was typed.

YES_NO = [("Y", _("Y")), ("T", _("T"))]

# Phrasing the assessor can click to insert and then edit. Respectful, addressed to the
# candidate; "..." marks the part to complete. English msgids, Indonesian in locale/id.
STRENGTH_PHRASES = [
    _("You demonstrated the work steps of this unit in the right order and to the standard."),
    _("You explained clearly why you carried out each step the way you did."),
    _("Your portfolio evidence is complete, current and relevant to this unit."),
    _("You worked safely and followed the procedures consistently."),
    _("You showed good skill in ..."),
]
GAP_PHRASES = [
    _("To strengthen your competence, practise ... in your daily work."),
    _("You have not yet shown ... consistently; we encourage you to practise it further."),
    _("Next time, bring evidence of ... that shows your recent work."),
    _("Please study the KUK of element ... again before the reassessment."),
    _("No gaps to work on for this unit; keep up your good practice."),
]


class EvidenceReviewForm(forms.Form):
    """FR.IA.08 for one evidence item: VATM, a note, the KUK it supports and the version the
    form was loaded with (0 for a first review) for optimistic locking."""

    # "evidence rule" context: these are the VATM terms of FR.IA.08, translated as such.
    valid = forms.BooleanField(label=pgettext_lazy("evidence rule", "Valid"), required=False)
    authentic = forms.BooleanField(
        label=pgettext_lazy("evidence rule", "Authentic (asli)"), required=False
    )
    current = forms.BooleanField(
        label=pgettext_lazy("evidence rule", "Current (terkini)"), required=False
    )
    sufficient = forms.BooleanField(
        label=pgettext_lazy("evidence rule", "Sufficient (memadai)"), required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    criteria = forms.TypedMultipleChoiceField(
        label=_("KUK this evidence supports"), coerce=int, required=False
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, criterion_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices = [(pk, pk) for pk in criterion_ids]

    def checked_criteria(self) -> set[int]:
        """The KUK ticked in the submitted data (also when the form is invalid)."""
        values = self.data.getlist(self.add_prefix("criteria")) if self.is_bound else []
        return {int(v) for v in values if str(v).isdigit()}


class EvidenceRequestForm(forms.Form):
    what = forms.CharField(
        label=_("What is missing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Name the evidence and the KUK it should show; the candidate reads this."),
    )
    due_date = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["due_date"].initial = today + datetime.timedelta(days=3)
        self.fields["due_date"].widget.attrs["min"] = today.isoformat()


class ThirdPartyForm(forms.ModelForm):
    """FR.IA.10: the supervisor's identity and answers, recorded by the assessor."""

    class Meta:
        model = ThirdPartyVerification
        fields = ["supervisor_name", "workplace", "phone", "relationship", "known_for", "comments"]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["known_for"].help_text = _("For example: 2 years.")
        for key, question in THIRD_PARTY_QUESTIONS.items():
            self.fields[f"q_{key}"] = forms.ChoiceField(
                label=question, choices=YES_NO, widget=forms.RadioSelect
            )

    def question_fields(self) -> list:
        return [self[f"q_{key}"] for key in THIRD_PARTY_QUESTIONS]

    def service_data(self) -> dict:
        data = {field: self.cleaned_data.get(field, "") for field in self.Meta.fields}
        data["answers"] = {
            key: self.cleaned_data[f"q_{key}"] == "Y" for key in THIRD_PARTY_QUESTIONS
        }
        return data


class UnitDecisionForm(forms.Form):
    """FR.AK.02 for one unit: K/BK, the evidence used, and for BK the reason and follow-up."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=UnitDecision.Outcome.choices, widget=forms.RadioSelect
    )
    sources = forms.MultipleChoiceField(
        label=_("Evidence used"),
        choices=UnitDecision.Source.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Name the evidence the decision is based on.")},
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up = forms.CharField(
        label=_("Follow-up: which units or elements to reassess"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FeedbackForm(forms.Form):
    strengths = forms.CharField(
        label=_("Strengths"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    gaps = forms.CharField(
        label=_("Gaps to work on"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EventReportForm(forms.ModelForm):
    """FR.AK.05's free text; the per-candidate results and counts come from the record."""

    class Meta:
        model = EventReport
        fields = ["positive_aspects", "negative_aspects", "rejections", "suggestions"]
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field in fields}
