"""Forms of the candidate's pages: FR.APL.01 profile and application, documents, FR.APL.02 answers,
portfolio evidence. They validate what the person typed; the services re-check everything that
matters (ownership, state, file content) and their errors are put back next to the fields."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Assessment,
    AssessmentEvent,
    CandidateProfile,
    DocumentKind,
    SelfAssessment,
)
from assessments.services import PROFILE_FIELDS, profile_birth_date_problem
from assessments.uploads import DOCUMENT_EXTENSIONS, EVIDENCE_EXTENSIONS

S = Assessment.State


def _accept(extensions: tuple[str, ...]) -> str:
    return ",".join(f".{ext}" for ext in extensions)


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


class UploadForm(forms.Form):
    """A form with one ``file`` field that knows the request's streaming refusals.

    ``SizeLimitUploadHandler`` skips a file that grows past the limit while it streams in and
    names its field in ``request.refused_uploads``; the form then reports "too large" on that
    field instead of "this field is required", and every other field keeps what was typed."""

    extensions: tuple[str, ...] = DOCUMENT_EXTENSIONS
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args, refused_uploads=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_uploads = set(refused_uploads or ())
        field = self.fields["file"]
        field.widget.attrs.update(
            {
                "accept": _accept(self.extensions),
                "data-max-bytes": self.max_bytes(),
                "data-too-large": self.too_large_message(),
            }
        )
        field.help_text = self.help_text()

    def max_bytes(self) -> int:
        return settings.KOMPETEN_UPLOAD_MAX_BYTES

    def too_large_message(self) -> str:
        return str(_("The file is larger than %(mb)s MB.") % {"mb": _megabytes(self.max_bytes())})

    def help_text(self) -> str:
        return str(
            _("%(types)s, at most %(mb)s MB.")
            % {
                "types": ", ".join(e.upper() for e in self.extensions if e != "jpeg"),
                "mb": _megabytes(self.max_bytes()),
            }
        )

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if self.add_prefix("file") in self.refused_uploads:
            raise ValidationError(self.too_large_message(), code="too_large")
        if not uploaded:
            raise ValidationError(_("Choose a file to upload."), code="required")
        return uploaded


class CandidateProfileForm(forms.ModelForm):
    """FR.APL.01 part 1: personal and job data, kept once for every later application."""

    # Longer than 16 so that a NIK typed with its printed spaces reaches clean_nik; the model's
    # validator still requires exactly 16 digits.
    nik = forms.CharField(
        label=CandidateProfile._meta.get_field("nik").verbose_name,
        max_length=24,
        help_text=_("The 16 digits on your KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = CandidateProfile
        fields = PROFILE_FIELDS
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 2}),
            "job_address": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "job_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "postal_code": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "postal-code"}
            ),
        }
        help_texts = {
            "phone": _("A number we can reach you on, e.g. 0812 3456 7890."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["birth_date"].widget.attrs["max"] = today.isoformat()

    def clean_nik(self) -> str:
        # People copy the NIK with the spaces or dots it is printed with; keep only the digits
        # when that is all that differs, so that a real typo still gets the 16-digit message.
        nik = self.cleaned_data["nik"]
        compact = re.sub(r"[\s.\-]", "", nik)
        return compact if compact.isdigit() else nik

    def clean_postal_code(self) -> str:
        code = self.cleaned_data["postal_code"].strip()
        if code and not re.fullmatch(r"\d{5}", code):
            raise ValidationError(_("A postal code has 5 digits."), code="postal_code")
        return code

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        problem = profile_birth_date_problem(birth_date)
        if problem:
            raise ValidationError(problem, code="birth_date")
        return birth_date


class PreviousChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assessment) -> str:
        return f"{obj.scheme_version.title} ({obj.scheme_version.scheme.number}) · " + str(
            _("decided %(date)s")
            % {"date": timezone.localtime(obj.state_changed_at).strftime("%d-%m-%Y")}
        )


def open_events(scheme_version_id: int, *, keep_event_id: int | None = None):
    """Events of the scheme a candidate may still choose (open, not started), with the places
    taken; ``keep_event_id`` keeps the application's current event in the list."""
    live = ~Q(assessments__state__in=Assessment.TERMINAL_STATES)
    choosable = Q(status=AssessmentEvent.Status.OPEN, starts_at__gt=timezone.now())
    if keep_event_id:
        choosable |= Q(pk=keep_event_id)
    return (
        AssessmentEvent.objects.filter(choosable, scheme_version_id=scheme_version_id)
        .select_related("tuk")
        .annotate(taken=Count("assessments", filter=live, distinct=True))
        .order_by("starts_at")
    )


class ApplicationForm(forms.Form):
    """FR.APL.01: purpose, the earlier certification for Sertifikasi Ulang, and optionally an
    event of the scheme. The scheme is chosen in the page's first step (not here)."""

    purpose = forms.ChoiceField(
        label=_("Purpose of the assessment (tujuan asesmen)"),
        choices=Assessment.Purpose.choices,
        widget=forms.RadioSelect,
        initial=Assessment.Purpose.CERTIFICATION,
    )
    previous = PreviousChoiceField(
        label=_("Certification you are renewing"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=_("Choose your earlier certification"),
        help_text=_("Only for Sertifikasi Ulang."),
    )
    purpose_other = forms.CharField(
        label=_("Other purpose"),
        max_length=200,
        required=False,
        help_text=_("Only for Lainnya: say what the certification is for."),
    )
    event = forms.ModelChoiceField(
        label=_("Assessment schedule"),
        queryset=AssessmentEvent.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=_("No preference: the LSP will place me in a schedule"),
    )

    def __init__(self, *args, candidate, scheme_version_id: int, assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = assessment.event_id if assessment is not None else None
        self.event_options = list(open_events(scheme_version_id, keep_event_id=keep))
        for event in self.event_options:
            event.places_left = max(event.quota - event.taken, 0)
            # The application's own place is not counted against it.
            if keep and event.pk == keep:
                event.places_left += 1
            event.is_current = bool(keep) and event.pk == keep
            event.is_full = event.places_left == 0
        self.fields["event"].queryset = open_events(scheme_version_id, keep_event_id=keep)
        previous = self.fields["previous"]
        previous.queryset = (
            Assessment.objects.filter(candidate=candidate, state=S.DECIDED)
            .select_related("scheme_version__scheme")
            .order_by("-state_changed_at")
        )
        if not previous.queryset.exists():
            previous.help_text = _(
                "You have no earlier certification with this LSP to renew; choose another purpose."
            )

    def clean(self):
        data = super().clean()
        purpose = data.get("purpose")
        if purpose == Assessment.Purpose.RECERTIFICATION and not data.get("previous"):
            self.add_error("previous", _("Choose the earlier certification you are renewing."))
        if purpose == Assessment.Purpose.OTHER and not data.get("purpose_other", "").strip():
            self.add_error("purpose_other", _("Name the purpose of the assessment."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "purpose_other": data.get("purpose_other", ""),
            "previous_id": data["previous"].pk if data.get("previous") else None,
            "event_id": data["event"].pk if data.get("event") else None,
        }


class DocumentUploadForm(UploadForm):
    """One document of FR.APL.01 (photo, KTP, ijazah ...): PDF, JPEG or PNG."""

    kind = forms.ChoiceField(choices=DocumentKind.choices, widget=forms.HiddenInput)


class EvidenceUploadForm(UploadForm):
    """A piece of portfolio evidence; video (MP4) has its own, larger limit."""

    extensions = EVIDENCE_EXTENSIONS
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("What it is, e.g. 'Network installation report, PT Maju, 2025'."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: your role, when, and which work it shows."),
    )
    field_order = ["title", "description", "file"]

    def max_bytes(self) -> int:
        return max(settings.KOMPETEN_UPLOAD_MAX_BYTES, settings.KOMPETEN_VIDEO_MAX_BYTES)

    def too_large_message(self) -> str:
        return str(
            _("The file is larger than %(mb)s MB (videos: %(video)s MB).")
            % {
                "mb": _megabytes(settings.KOMPETEN_UPLOAD_MAX_BYTES),
                "video": _megabytes(settings.KOMPETEN_VIDEO_MAX_BYTES),
            }
        )

    def help_text(self) -> str:
        return str(
            _("PDF, JPG, PNG, DOCX or XLSX up to %(mb)s MB; MP4 video up to %(video)s MB.")
            % {
                "mb": _megabytes(settings.KOMPETEN_UPLOAD_MAX_BYTES),
                "video": _megabytes(settings.KOMPETEN_VIDEO_MAX_BYTES),
            }
        )

    def clean_file(self):
        uploaded = super().clean_file()
        # Non-video files have the smaller limit; say so before the service reads the file.
        name = (uploaded.name or "").lower()
        if not name.endswith(".mp4") and uploaded.size > settings.KOMPETEN_UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": _megabytes(settings.KOMPETEN_UPLOAD_MAX_BYTES)},
                code="too_large",
            )
        return uploaded


class EvidenceRequestAnswerForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the assessor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SelfAssessmentForm(forms.Form):
    """FR.APL.02 for one element: K/BK and the evidence that supports it. One per element on
    the page (prefixed with the element id), so that each is saved on its own."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=SelfAssessment.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose K or BK.")},
    )
    evidence = forms.TypedMultipleChoiceField(
        label=_("Supporting evidence"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, element_id: int, evidence_choices: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("prefix", f"e{element_id}")
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = evidence_choices
