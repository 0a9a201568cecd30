"""Forms of the assessor's preparation page: the FR.APL.02 review, the FR.MAPA.01 plan, the
FR.AK.07 adjustments and the TUK / document checklists (FR.AK.01 reuses the candidate's
signature form). None takes a privileged field (state, assessor, candidate) from the POST: the
units of the plan come from the scheme version, never from the request."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Instrument, PreparationRecord, UnitPlan
from assessments.services import AK07_CHARACTERISTICS, DOCUMENT_CHECKS, TUK_CHECKS

YES_NO = [("yes", _("Ya")), ("no", _("Tidak"))]
CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input flex-shrink-0 fs-5 mt-0"})

# The instruments Kompeten records today; the others of Instrument can already be planned (the
# plan stores them) and are recorded on paper until their pages exist.
OFFERED_INSTRUMENTS = [
    Instrument.IA01,
    Instrument.IA03,
    Instrument.IA07,
    Instrument.IA08,
    Instrument.IA09,
    Instrument.IA10,
]
# "Use a typical plan": direct and indirect evidence, observation with supporting questions and
# portfolio verification, which is how most units of a KKNI or occupation scheme are assessed.
TYPICAL_EVIDENCE_TYPES = [UnitPlan.EvidenceType.L, UnitPlan.EvidenceType.TL]
TYPICAL_INSTRUMENTS = [Instrument.IA01, Instrument.IA03, Instrument.IA08]


class Apl02ReviewForm(forms.Form):
    """FR.APL.02: "Asesmen dapat dilanjutkan" or "tidak dapat dilanjutkan", with a note."""

    PROCEED, RETURN = "proceed", "return"

    decision = forms.ChoiceField(
        label=_("Recommendation"),
        choices=[
            (PROCEED, _("The assessment can proceed (dapat dilanjutkan)")),
            (RETURN, _("The assessment cannot proceed (tidak dapat dilanjutkan)")),
        ],
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": _("Choose whether the assessment can proceed.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_(
            "Required when the assessment cannot proceed: the candidate and the LSP admin "
            "receive it and the application goes back to the candidate."
        ),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the assessment cannot proceed."))
        return data

    @property
    def proceed(self) -> bool:
        return self.cleaned_data["decision"] == self.PROCEED


class PlanForm(forms.Form):
    """FR.MAPA.01: the candidate's background (potensi), the context, the purpose and benchmark,
    and per unit the evidence types L/TL/T, the instruments and a note."""

    potensi = forms.TypedChoiceField(
        label=_("Candidate background (potensi asesi)"),
        choices=PreparationRecord.Potensi.choices,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input flex-shrink-0 fs-5 mt-0"}),
        error_messages={"required": _("Choose the candidate's background.")},
    )
    context = forms.ChoiceField(
        label=_("Assessment context"),
        choices=PreparationRecord.Context.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={"required": _("Choose where the assessment takes place.")},
    )
    purpose_note = forms.CharField(
        label=_("Purpose and benchmark"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("E.g. certification against the scheme's SKKNI units and the SOP of the TUK."),
    )

    def __init__(self, *args, units: list, **kwargs) -> None:
        """``units``: the scheme's units (schemes.Unit) in order."""
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            self.fields[f"types_{unit.pk}"] = forms.MultipleChoiceField(
                label=_("Evidence type"),
                choices=UnitPlan.EvidenceType.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check"}),
            )
            self.fields[f"instruments_{unit.pk}"] = forms.MultipleChoiceField(
                label=_("Instruments"),
                choices=Instrument.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple(
                    attrs={"class": "form-check-input flex-shrink-0 fs-5 mt-0"}
                ),
            )
            self.fields[f"note_{unit.pk}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=1000,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    @staticmethod
    def initial_for(record, plans: dict, units: list, *, typical: bool = False) -> dict:
        """Initial data from what is saved; ``typical`` fills what a unit's plan still lacks
        (its evidence types, its instruments) with the typical plan."""
        initial = {}
        if record is not None:
            initial.update(
                potensi=record.potensi, context=record.context, purpose_note=record.purpose_note
            )
        for unit in units:
            plan = plans.get(unit.pk)
            types = list(plan.evidence_types) if plan else []
            instruments = list(plan.instruments) if plan else []
            if typical:
                types = types or list(TYPICAL_EVIDENCE_TYPES)
                instruments = instruments or list(TYPICAL_INSTRUMENTS)
            initial[f"types_{unit.pk}"] = types
            initial[f"instruments_{unit.pk}"] = instruments
            initial[f"note_{unit.pk}"] = plan.note if plan else ""
        return initial

    def unit_rows(self) -> list[dict]:
        """Per unit its bound fields, the instruments split into offered now and the rest."""
        rows = []
        for unit in self.units:
            instruments = list(self[f"instruments_{unit.pk}"])
            offered = {str(i) for i in OFFERED_INSTRUMENTS}
            rows.append(
                {
                    "unit": unit,
                    "types": self[f"types_{unit.pk}"],
                    "instruments": [c for c in instruments if str(c.data["value"]) in offered],
                    "other_instruments": [
                        c for c in instruments if str(c.data["value"]) not in offered
                    ],
                    "other_chosen": any(
                        c.data["selected"]
                        for c in instruments
                        if str(c.data["value"]) not in offered
                    ),
                    "note": self[f"note_{unit.pk}"],
                }
            )
        return rows

    def unit_plans(self) -> dict[int, tuple[list[str], list[str], str]]:
        data = self.cleaned_data
        return {
            unit.pk: (
                data.get(f"types_{unit.pk}") or [],
                data.get(f"instruments_{unit.pk}") or [],
                data.get(f"note_{unit.pk}") or "",
            )
            for unit in self.units
        }


class AdjustmentsForm(forms.Form):
    """FR.AK.07: per candidate characteristic, is a reasonable adjustment needed (Ya/Tidak), and
    which one. "Tidak" is preselected: most candidates need none."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in AK07_CHARACTERISTICS.items():
            self.fields[f"needed_{key}"] = forms.ChoiceField(
                label=label,
                choices=YES_NO,
                initial="no",
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                error_messages={"required": _("Choose Ya or Tidak.")},
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("Adjustment"),
                required=False,
                max_length=1000,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    @staticmethod
    def initial_for(record) -> dict:
        initial = {}
        for key, value in ((record.adjustments if record else None) or {}).items():
            initial[f"needed_{key}"] = "yes" if value.get("needed") else "no"
            initial[f"note_{key}"] = value.get("note", "")
        return initial

    def clean(self) -> dict:
        data = super().clean()
        for key in AK07_CHARACTERISTICS:
            if data.get(f"needed_{key}") == "yes" and not (data.get(f"note_{key}") or "").strip():
                self.add_error(f"note_{key}", _("Describe the adjustment."))
        return data

    def rows(self) -> list[dict]:
        return [
            {"key": key, "needed": self[f"needed_{key}"], "note": self[f"note_{key}"]}
            for key in AK07_CHARACTERISTICS
        ]

    def adjustments(self) -> dict[str, dict]:
        data = self.cleaned_data
        return {
            key: {"needed": data[f"needed_{key}"] == "yes", "note": data.get(f"note_{key}", "")}
            for key in AK07_CHARACTERISTICS
        }


class ReadinessForm(forms.Form):
    """The TUK readiness and document completeness checklists (ticked when confirmed)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in TUK_CHECKS.items():
            self.fields[f"tuk_{key}"] = forms.BooleanField(
                label=label, required=False, widget=CHECKBOX
            )
        for key, label in DOCUMENT_CHECKS.items():
            self.fields[f"doc_{key}"] = forms.BooleanField(
                label=label, required=False, widget=CHECKBOX
            )

    @staticmethod
    def initial_for(record) -> dict:
        initial = {}
        if record is not None:
            initial.update({f"tuk_{k}": bool(v) for k, v in record.tuk_ready.items()})
            initial.update({f"doc_{k}": bool(v) for k, v in record.documents_complete.items()})
        return initial

    def tuk_fields(self) -> list[forms.BoundField]:
        return [self[f"tuk_{key}"] for key in TUK_CHECKS]

    def document_fields(self) -> list[forms.BoundField]:
        return [self[f"doc_{key}"] for key in DOCUMENT_CHECKS]

    def tuk_ready(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"tuk_{key}")) for key in TUK_CHECKS}

    def documents_complete(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"doc_{key}")) for key in DOCUMENT_CHECKS}
