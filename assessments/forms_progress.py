"""Forms of the candidate's pages after the application: FR.AK.01 consent, FR.AK.03 feedback and
withdrawal. None of them takes a privileged field (state, candidate, assessor) from the POST."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import AK03_ITEMS

# FR.AK.01's three fixed statements (BNSP 2020), read by the candidate before signing.
AK01_STATEMENTS = [
    _(
        "Candidate: I have been told by the assessor about my right to appeal and the appeal "
        "procedure."
    ),
    _(
        "Assessor: I will not disclose the results of this assessment to anyone or any "
        "organisation other than the authorised parties, as my duty as an assessor assigned by "
        "the LSP requires."
    ),
    _(
        "Candidate: I agree to take part in the assessment on the understanding that the "
        "information collected is used only for professional development and is seen only by "
        "authorised people."
    ),
]

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ConsentSignForm(forms.Form):
    """The candidate's FR.AK.01 signature: the typed full name and a ticked box."""

    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agreed = forms.BooleanField(
        label=_("I have read the statements above and I agree to them."),
        required=True,
        error_messages={"required": _("Tick the box to agree to the statements.")},
    )

    def __init__(self, *args, full_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if full_name:
            self.fields["typed_name"].help_text = _("Type it exactly as registered: %(name)s.") % {
                "name": full_name
            }


class FeedbackForm(forms.Form):
    """FR.AK.03: the nine fixed statements, each Yes/No with an optional comment, plus notes."""

    notes = forms.CharField(
        label=_("Other notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i, item in enumerate(AK03_ITEMS):
            self.fields[f"answer_{i}"] = forms.ChoiceField(
                label=item,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose Yes or No.")},
            )
            self.fields[f"comment_{i}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=500
            )
        # The notes come after the nine items on the paper form.
        self.order_fields([*(f for f in self.fields if f != "notes"), "notes"])

    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(i + 1, self[f"answer_{i}"], self[f"comment_{i}"]) for i in range(len(AK03_ITEMS))]

    def answers(self) -> list[bool]:
        return [self.cleaned_data[f"answer_{i}"] == "yes" for i in range(len(AK03_ITEMS))]

    def comments(self) -> list[str]:
        return [self.cleaned_data.get(f"comment_{i}", "") for i in range(len(AK03_ITEMS))]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The LSP keeps this reason with your record."),
    )
