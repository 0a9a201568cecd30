"""Forms of the assessor's event page: the impartiality declaration, attendance and the FR.AK.01
countersignature for every present candidate. None takes a privileged field from the POST: the
candidates a form accepts are the ones the view passes in (the assessor's own, visible ones)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, ImpartialityDeclaration

Relationship = ImpartialityDeclaration.Relationship


class ImpartialityForm(forms.Form):
    """Per candidate: the relationship (an explicit choice, no default) and a note, required
    for anything but "no relationship"."""

    def __init__(self, *args, assessments: list[Assessment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.assessments = list(assessments)
        for assessment in self.assessments:
            name = assessment.candidate.full_name
            self.fields[f"relationship_{assessment.pk}"] = forms.ChoiceField(
                label=_("Relationship with %(name)s") % {"name": name},
                choices=[("", _("Choose…")), *Relationship.choices],
                error_messages={"required": _("Choose a relationship.")},
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"note_{assessment.pk}"] = forms.CharField(
                label=_("Note on the relationship with %(name)s") % {"name": name},
                required=False,
                max_length=1000,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control",
                        "placeholder": _("Describe any relationship"),
                    }
                ),
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        for assessment in self.assessments:
            relationship = cleaned.get(f"relationship_{assessment.pk}")
            note = (cleaned.get(f"note_{assessment.pk}") or "").strip()
            if relationship and relationship != Relationship.NONE and not note:
                self.add_error(f"note_{assessment.pk}", _("Describe the relationship you declare."))
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        # Bootstrap shows the red border only with the class on the widget itself.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def rows(self) -> list[dict]:
        """One row per candidate with its two bound fields, for the template."""
        return [
            {
                "assessment": a,
                "relationship": self[f"relationship_{a.pk}"],
                "note": self[f"note_{a.pk}"],
            }
            for a in self.assessments
        ]

    def declarations(self) -> dict[int, tuple[str, str]]:
        """What ``services.impartiality_declare`` takes: {assessment id: (relationship, note)}."""
        return {
            a.pk: (
                self.cleaned_data[f"relationship_{a.pk}"],
                (self.cleaned_data.get(f"note_{a.pk}") or "").strip(),
            )
            for a in self.assessments
        }


class AttendanceForm(forms.Form):
    """The candidates the assessor ticks as present (only those the view offers)."""

    present = forms.TypedMultipleChoiceField(
        label=_("Present"),
        coerce=int,
        error_messages={
            "required": _("Choose the candidates who are present."),
            "invalid_choice": _("A chosen candidate cannot be marked present here."),
        },
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, assessments: list[Assessment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(a.pk, a.candidate.full_name) for a in assessments]


class SignAllForm(forms.Form):
    """One FR.AK.01 countersignature, applied to each present candidate who has signed."""

    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agreed = forms.BooleanField(
        label=_(
            "I have agreed the evidence, date and place with each of these candidates and I "
            "agree to the FR.AK.01 statements for each of them."
        ),
        required=True,
        error_messages={"required": _("Tick the box to agree to the statements.")},
    )

    def __init__(self, *args, full_name: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if full_name:
            self.fields["typed_name"].help_text = _("Type it exactly as registered: %(name)s.") % {
                "name": full_name
            }
