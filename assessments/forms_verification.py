"""Forms of the LSP admin's verification of FR.APL.01. They carry only what the admin decides;
the application, its state and the acting user come from the URL and the session."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import ApplicationDocument
from assessments.services import RETURN_SECTIONS

PRESENT_CHOICES = [("1", _("Ada")), ("0", _("Tidak ada"))]
MEETS_CHOICES = [("1", _("Memenuhi")), ("0", _("Tidak memenuhi"))]


def _bool_initial(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


class DocumentCheckForm(forms.Form):
    """Per current document: Ada/Tidak ada and Memenuhi/Tidak memenuhi (FR.APL.01)."""

    def __init__(self, *args, documents: Iterable[ApplicationDocument], **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        for document in self.documents:
            self.fields[f"present_{document.pk}"] = forms.ChoiceField(
                label=_("Present"),
                choices=PRESENT_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial=_bool_initial(document.present),
                error_messages={"required": _("Choose Ada or Tidak ada.")},
            )
            self.fields[f"meets_{document.pk}"] = forms.ChoiceField(
                label=_("Meets the requirement"),
                choices=MEETS_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial=_bool_initial(document.meets if document.present else None),
                # Only needed when the document is there; checked in clean().
                required=False,
            )

    def clean(self):
        cleaned = super().clean()
        for document in self.documents:
            present, meets = f"present_{document.pk}", f"meets_{document.pk}"
            if cleaned.get(present) == "1" and not cleaned.get(meets):
                self.add_error(meets, _("Choose Memenuhi or Tidak memenuhi."))
        return cleaned

    def rows(self) -> list[dict]:
        """Each document with its two bound fields, for the table in the template."""
        return [
            {
                "document": document,
                "present": self[f"present_{document.pk}"],
                "meets": self[f"meets_{document.pk}"],
            }
            for document in self.documents
        ]

    def checks(self) -> dict[int, tuple[bool, bool]]:
        """The cleaned answers in the shape ``application_check_documents`` takes."""
        return {
            document.pk: (
                self.cleaned_data[f"present_{document.pk}"] == "1",
                self.cleaned_data.get(f"meets_{document.pk}") == "1",
            )
            for document in self.documents
        }


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the candidate (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why the application is not accepted"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the application is not accepted.")},
    )


class ReturnForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label=_("Sections to fix"),
        choices=list(RETURN_SECTIONS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Name at least one section to revise.")},
    )
    note = forms.CharField(
        label=_("What the candidate must revise"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the candidate must revise.")},
    )
