"""Forms of the assessor's observation and questioning step: one FR.IA.01 row (a KUK answered
Ya/Tidak with a follow-up note and the version it was loaded with) and one question asked
(FR.IA.03 / IA.07 / IA.09). They only check what was typed; the services decide whether the
assessor may record it (assignment, licence, state, scheme, stale version)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessments.models import Instrument

YES, NO = "ya", "tidak"
ACHIEVED_CHOICES = [(YES, _("Ya")), (NO, _("Tidak"))]
QUESTION_INSTRUMENTS = (Instrument.IA03, Instrument.IA07, Instrument.IA09)


def achieved_value(achieved: bool | None) -> str:
    """The form value for a stored Ya / Tidak / not yet."""
    return "" if achieved is None else (YES if achieved else NO)


def _achieved(value: str) -> bool | None:
    return None if not value else value == YES


class ObservationForm(forms.Form):
    """FR.IA.01 for one KUK. ``version`` is the version of the answer shown when the row was
    rendered (0 for none yet): it is required, so that a save that does not say what it
    replaces can never overwrite an answer unseen."""

    achieved = forms.TypedChoiceField(
        label=_("Achieved"),
        choices=ACHIEVED_CHOICES,
        coerce=_achieved,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Follow-up note"), required=False, max_length=2000, widget=forms.Textarea
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("achieved") is None and not (data.get("note") or "").strip():
            raise ValidationError(_("Choose Ya or Tidak."), code="empty")
        return data


class QuestionRecordForm(forms.Form):
    """One question asked: picked from the scheme's bank (``bank_question``) or written ad hoc,
    with the expected answer, a summary of the candidate's answer and whether it was achieved.
    The unit and instrument come from the section the form sits in; the service checks them."""

    bank_question = forms.TypedChoiceField(
        label=_("From the question bank"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    question = forms.CharField(
        label=_("Question"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_answer = forms.CharField(
        label=_("Expected answer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answer = forms.CharField(
        label=_("Summary of the candidate's answer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    achieved = forms.TypedChoiceField(
        label=_("Achieved"),
        choices=[("", _("Not yet")), *ACHIEVED_CHOICES],
        coerce=_achieved,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, bank_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if bank_choices:
            self.fields["bank_question"].choices = [
                ("", _("My own question (write it below)")),
                *bank_choices,
            ]
        else:
            del self.fields["bank_question"]

    def clean(self):
        data = super().clean()
        if not data.get("bank_question") and not (data.get("question") or "").strip():
            self.add_error("question", _("Pick a question from the bank or write one."))
        return data
