"""Step 2 of the assessor's work on one candidate: the FR.IA.01 observation checklist and the
questions (FR.IA.03 supporting, FR.IA.07 oral, FR.IA.09 interview).

IA.01 is built for a TUK with a poor connection: every KUK row is its own small form that saves
as soon as Ya / Tidak or the note changes (htmx; static/js/ia01.js keeps what could not be sent
and sends it again), and without JavaScript each row is a plain form that reloads the page at
that row. Each row carries the version of the answer it shows; the service refuses a save made
against an older version (another tab, another device), and the row then shows the stored
answer, who saved it and what was not saved, so nothing is lost silently.

Pages load the assessment through ``selectors.assessor_assessment`` (404 for another assessor's
candidate and for a pairing with a declared conflict); an assessor who may not act (licence,
scope) sees the record with the reason and without forms. Nothing here sets a state: the first
save moves a prepared assessment to in progress inside the service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import fragments, selectors, services
from assessments.forms_assessor_observe import (
    NO,
    QUESTION_INSTRUMENTS,
    YES,
    ObservationForm,
    QuestionRecordForm,
    achieved_value,
)
from assessments.models import (
    Assessment,
    BankQuestion,
    Instrument,
    Observation,
    QuestionRecord,
    UnitPlan,
)
from schemes.models import Criterion, SchemeUnit

S = Assessment.State
TEMPLATES = "assessments/assessor"
ROW_TEMPLATE = f"{TEMPLATES}/partials/observe_row_response.html"


# Shared ----------------------------------------------------------------------------------------


def _access(request: HttpRequest, assessment: Assessment) -> dict:
    """Whether the assessor may record now and, if not, why (shown instead of the forms)."""
    refusal = services.assessor_refusal(assessor=request.user, assessment=assessment)
    state = assessment.state
    if refusal:
        reason = refusal
    elif state in services.ASSESSING_STATES:
        reason = ""
    elif state in (S.SCHEDULED, S.CLEARED):
        reason = _("Observation and questions open once the preparation is complete.")
    elif assessment.is_locked:
        reason = ""  # the page frame already says the record is submitted and read-only
    else:
        reason = _("The observation is closed: the assessment is %(state)s.") % {
            "state": assessment.get_state_display()
        }
    return {
        "refusal": refusal or "",
        "editable": not refusal and state in services.ASSESSING_STATES,
        "readonly_reason": reason,
    }


def _context(request: HttpRequest, assessment: Assessment, step: str, **extra) -> dict:
    steps = selectors.assessor_stepper(assessment, step)
    urls = {s["key"]: s["url"] for s in steps}
    return {
        "assessment": assessment,
        "steps": steps,
        "prepare_url": urls.get("prepare", ""),
        "evidence_url": urls.get("evidence", ""),
        **_access(request, assessment),
        **extra,
    }


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You cannot record this.")


# FR.IA.01 checklist ----------------------------------------------------------------------------


def _row(criterion: Criterion, observation: Observation | None, **state) -> dict:
    """One KUK row: the stored answer (or none yet) and the version the row's form sends."""
    return {
        "criterion": criterion,
        "anchor": f"kuk-{criterion.pk}",
        "observation": observation,
        "achieved": achieved_value(observation.achieved) if observation else "",
        "note": observation.note if observation else "",
        "version": observation.version if observation else 0,
        "saved": False,
        "conflict": None,
        "error": "",
        **state,
    }


def _checklist(assessment: Assessment) -> tuple[list[dict], dict]:
    """Units > elements > KUK rows with the stored answers, and observed/total per unit and
    overall. Four queries whatever the size of the scheme."""
    observations = {
        o.criterion_id: o
        for o in Observation.objects.filter(assessment=assessment).select_related("recorded_by")
    }
    units, total, observed = [], 0, 0
    for scheme_unit in selectors.scheme_structure(assessment.scheme_version_id):
        elements, unit_total, unit_observed = [], 0, 0
        for element in scheme_unit.unit.elements.all():
            rows = []
            for criterion in element.criteria.all():
                observation = observations.get(criterion.pk)
                rows.append(_row(criterion, observation))
                unit_total += 1
                unit_observed += observation is not None and observation.achieved is not None
            elements.append({"element": element, "rows": rows})
        units.append(
            {
                "scheme_unit": scheme_unit,
                "unit": scheme_unit.unit,
                "elements": elements,
                "total": unit_total,
                "observed": unit_observed,
            }
        )
        total += unit_total
        observed += unit_observed
    return units, _progress(observed, total)


def _progress(observed: int, total: int) -> dict:
    return {
        "observed": observed,
        "total": total,
        "percent": round(100 * observed / total) if total else 0,
    }


def _criterion_in(structure: list[SchemeUnit], criterion_id: int) -> Criterion | None:
    """The scheme's KUK ``criterion_id`` from its structure (with its element and unit), or
    None when the KUK is not part of the scheme."""
    for scheme_unit in structure:
        for element in scheme_unit.unit.elements.all():
            for criterion in element.criteria.all():
                if criterion.pk == criterion_id:
                    return criterion
    return None


def _row_progress(
    assessment: Assessment, unit_id: int, structure: list[SchemeUnit]
) -> tuple[dict, dict]:
    """observed/total for one unit and for the whole checklist, after one row was saved: the
    totals from the scheme's structure, the answers in one query."""
    totals = selectors.kuk_totals(structure)
    answers = Observation.objects.filter(assessment=assessment, achieved__isnull=False).aggregate(
        total=Count("pk"), unit=Count("pk", filter=Q(criterion__element__unit_id=unit_id))
    )
    return (
        _progress(answers["unit"], totals.get(unit_id, 0)),
        _progress(answers["total"], sum(totals.values())),
    )


def _unit_fragment_key(unit: dict, assessment: Assessment, user, editable: bool) -> str:
    """The digest of everything one unit's block of observe.html prints (see
    assessments/fragments.py): the unit, its elements and each row with its stored answer and
    who recorded it, plus who is looking and whether the rows are editable (fragments.digest
    adds the language and time zone). A template change that prints anything more must add it
    here."""
    rows = []
    for block in unit["elements"]:
        element = block["element"]
        rows.append(("element", element.pk, element.number, element.title))
        for row in block["rows"]:
            criterion, obs = row["criterion"], row["observation"]
            recorded = (
                (obs.pk, obs.achieved, obs.note, obs.recorded_by_id, str(obs.recorded_by))
                + (obs.recorded_at,)
                if obs
                else None
            )
            rows.append(
                (criterion.pk, criterion.number, criterion.text, row["achieved"], row["note"])
                + (row["version"], row["saved"], row["error"], repr(row["conflict"]), recorded)
            )
    scheme_unit, unit_obj = unit["scheme_unit"], unit["unit"]
    return fragments.digest(
        "ia01-unit",
        assessment.pk,
        user.pk,
        editable,
        scheme_unit.group.title,
        unit_obj.pk,
        unit_obj.code,
        unit_obj.title,
        unit["observed"],
        unit["total"],
        tuple(rows),
    )


@login_required
@require_http_methods(["GET"])
def observe(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.IA.01: per unit and element, every KUK with Ya / Tidak and a follow-up note.

    Each unit's block is a cached fragment (assessments/fragments.py): reloading the page after
    one answer renders only that answer's unit again."""
    assessment = selectors.assessor_assessment(request.user, pk)
    units, progress = _checklist(assessment)
    context = _context(
        request,
        assessment,
        "observe",
        units=units,
        progress=progress,
        csrf_cookie_name=settings.CSRF_COOKIE_NAME,
    )
    for unit in units:
        unit["fragment_key"] = _unit_fragment_key(
            unit, assessment, request.user, context["editable"]
        )
    return render(request, f"{TEMPLATES}/observe.html", context)


def _sent(form: ObservationForm) -> dict:
    """What the assessor tried to save, as typed (shown when it could not be saved)."""
    value = form.data.get("achieved", "")
    labels = {YES: _("Ya"), NO: _("Tidak")}
    return {
        "achieved": value if value in labels else "",
        "achieved_label": labels.get(value, _("no answer")),
        "note": (form.data.get("note") or "").strip(),
    }


@login_required
@require_POST
def observe_kuk(request: HttpRequest, pk: int, criterion_id: int) -> HttpResponse:
    """Save one KUK. htmx gets the row (new version, saved mark) with the progress counters out
    of band, or the row with the stored answer and a message on a conflict (409) or a refusal
    (400/403). Without JavaScript the page is reloaded at the row, with a message."""
    assessment = selectors.assessor_assessment(request.user, pk)
    # Kept per process for a published scheme (selectors.scheme_structure): no query.
    structure = selectors.scheme_structure(assessment.scheme_version_id)
    criterion = _criterion_in(structure, criterion_id)
    if criterion is None:
        raise Http404
    form = ObservationForm(request.POST)
    observation, state, status = None, {}, 200
    if form.is_valid():
        try:
            observation = services.observation_save(
                assessment_id=assessment.pk,
                actor=request.user,
                criterion_id=criterion.pk,
                achieved=form.cleaned_data["achieved"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except services.EditConflict as exc:
            observation, status = exc.current, 409
            state = {"conflict": {**_sent(form), "message": _error_text(exc)}}
        except PermissionDenied as exc:
            status, state = 403, {"error": _error_text(exc)}
        except ValidationError as exc:
            status, state = 400, {"error": _error_text(exc)}
        else:
            state = {"saved": True}
    else:
        status = 400
        state = {"error": " ".join(str(e) for errors in form.errors.values() for e in errors)}
    if not request.htmx:
        _message_after_save(request, criterion, state)
        url = reverse("assessments:assess_observe", args=[assessment.pk])
        return redirect(f"{url}#kuk-{criterion.pk}")
    if status != 200:
        # Show what is stored now (a refusal changed nothing; a conflict shows the winner).
        assessment.refresh_from_db(fields=["state"])
        if observation is None and status != 409:
            observation = (
                Observation.objects.filter(assessment=assessment, criterion=criterion)
                .select_related("recorded_by")
                .first()
            )
    unit_progress, progress = _row_progress(assessment, criterion.element.unit_id, structure)
    # A saved row: the service has just checked, on the locked record, that the assessor may
    # record (no refusal, an assessing state), so the row stays editable without asking again.
    access = (
        {"refusal": "", "editable": True, "readonly_reason": ""}
        if status == 200
        else _access(request, assessment)
    )
    context = {
        **access,
        "assessment": assessment,
        "row": _row(criterion, observation, **state),
        "unit": criterion.element.unit,
        "unit_progress": unit_progress,
        "progress": progress,
    }
    return render(request, ROW_TEMPLATE, context, status=status)


def _message_after_save(request: HttpRequest, criterion: Criterion, state: dict) -> None:
    if state.get("saved"):
        messages.success(request, _("KUK %(number)s saved.") % {"number": criterion.number})
    elif state.get("conflict"):
        conflict = state["conflict"]
        messages.error(
            request,
            _("KUK %(number)s was not saved: %(message)s Your answer was: %(answer)s %(note)s")
            % {
                "number": criterion.number,
                "message": conflict["message"],
                "answer": conflict["achieved_label"],
                "note": f"({conflict['note']})" if conflict["note"] else "",
            },
        )
    else:
        messages.error(
            request,
            _("KUK %(number)s was not saved: %(error)s")
            % {"number": criterion.number, "error": state.get("error", "")},
        )


# FR.IA.03 / IA.07 / IA.09 questions ------------------------------------------------------------


def _bank_by_key(assessment: Assessment) -> dict[tuple[str, str], list[BankQuestion]]:
    """The scheme's active bank questions per (instrument, unit code); "" = any unit."""
    bank: dict[tuple[str, str], list[BankQuestion]] = {}
    for question in BankQuestion.objects.filter(
        scheme_id=assessment.scheme_version.scheme_id,
        active=True,
        instrument__in=QUESTION_INSTRUMENTS,
    ):
        bank.setdefault((question.instrument, question.unit_code), []).append(question)
    return bank


def _add_prefix(unit_id: int, instrument: str) -> str:
    return f"u{unit_id}-{instrument}"


def _edit_prefix(record_id: int) -> str:
    return f"q{record_id}"


def _question_sections(
    assessment: Assessment, *, bound: QuestionRecordForm | None = None, edit_id: int | None = None
) -> list[dict]:
    """Per unit, per instrument: the questions asked (one may be open for editing) and the form
    to add one, offering the bank questions of that unit and instrument not asked yet. A bound
    form (after a refused save) replaces the form it came from. Four queries."""
    scheme_units = list(
        SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
        .select_related("unit", "group")
        .order_by("group__position", "position")
    )
    records: dict[tuple[int, str], list[QuestionRecord]] = {}
    for record in QuestionRecord.objects.filter(assessment=assessment).select_related(
        "recorded_by"
    ):
        records.setdefault((record.unit_id, record.instrument), []).append(record)
    planned = {
        plan.unit_id: set(plan.instruments)
        for plan in UnitPlan.objects.filter(assessment=assessment)
    }
    bank = _bank_by_key(assessment)
    labels = dict(Instrument.choices)
    units = []
    for scheme_unit in scheme_units:
        unit = scheme_unit.unit
        sections = []
        for instrument in QUESTION_INSTRUMENTS:
            asked = records.get((unit.pk, instrument), [])
            asked_bank_ids = {r.bank_question_id for r in asked if r.bank_question_id}
            offered = [
                q
                for q in bank.get((instrument, unit.code), []) + bank.get((instrument, ""), [])
                if q.pk not in asked_bank_ids
            ]
            prefix = _add_prefix(unit.pk, instrument)
            add_form = (
                bound
                if bound is not None and bound.prefix == prefix
                else QuestionRecordForm(
                    prefix=prefix, bank_choices=[(q.pk, q.text) for q in offered]
                )
            )
            rows = []
            for record in asked:
                form = None
                if bound is not None and bound.prefix == _edit_prefix(record.pk):
                    form = bound
                elif record.pk == edit_id:
                    form = QuestionRecordForm(
                        prefix=_edit_prefix(record.pk),
                        initial={
                            "question": record.question,
                            "expected_answer": record.expected_answer,
                            "answer": record.answer,
                            "achieved": achieved_value(record.achieved),
                        },
                    )
                rows.append({"record": record, "form": form, "anchor": f"q-{record.pk}"})
            sections.append(
                {
                    "instrument": instrument,
                    "label": labels[instrument],
                    "anchor": f"unit-{unit.pk}-{instrument}",
                    "planned": instrument in planned.get(unit.pk, set()),
                    "records": rows,
                    "form": add_form,
                    "bank": offered,
                    "open": bound is not None and add_form is bound,
                }
            )
        units.append({"scheme_unit": scheme_unit, "unit": unit, "sections": sections})
    return units


@login_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    """IA.03 / IA.07 / IA.09 per unit: ask from the scheme's bank or ad hoc, record the expected
    answer, the candidate's answer and Ya / Tidak; edit a recorded one (?edit=<id>)."""
    assessment = selectors.assessor_assessment(request.user, pk)
    bound, status = None, 200
    if request.method == "POST":
        response, bound = _question_post(request, assessment)
        if response is not None:
            return response
        status = 400
    edit = request.GET.get("edit", "")
    units = _question_sections(
        assessment, bound=bound, edit_id=int(edit) if edit.isdigit() else None
    )
    context = _context(request, assessment, "observe", units=units)
    return render(request, f"{TEMPLATES}/questions.html", context, status=status)


def _question_post(
    request: HttpRequest, assessment: Assessment
) -> tuple[HttpResponse | None, QuestionRecordForm | None]:
    """Save one question: the section's hidden ``unit`` and ``instrument`` (or ``record`` for an
    edit) name the form that was sent. A redirect on success, else the bound form to show."""
    post = request.POST
    record = None
    if post.get("record", "").isdigit():
        record = QuestionRecord.objects.filter(
            pk=int(post["record"]), assessment=assessment
        ).first()
        if record is None:
            raise Http404
        unit_id, instrument = record.unit_id, record.instrument
        prefix = _edit_prefix(record.pk)
    else:
        if not post.get("unit", "").isdigit():
            raise Http404
        unit_id, instrument = int(post["unit"]), post.get("instrument", "")
        prefix = _add_prefix(unit_id, instrument)
    bank_choices = []
    if record is None:
        unit_code = (
            SchemeUnit.objects.filter(
                group__version_id=assessment.scheme_version_id, unit_id=unit_id
            )
            .values_list("unit__code", flat=True)
            .first()
        )
        if unit_code is None or instrument not in QUESTION_INSTRUMENTS:
            raise Http404  # not a section of this page
        bank = _bank_by_key(assessment)
        offered = bank.get((instrument, unit_code), []) + bank.get((instrument, ""), [])
        bank_choices = [(q.pk, q.text) for q in offered]
    form = QuestionRecordForm(post, prefix=prefix, bank_choices=bank_choices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.question_record_save(
                assessment_id=assessment.pk,
                actor=request.user,
                unit_id=unit_id,
                instrument=instrument,
                question=data["question"],
                expected_answer=data["expected_answer"],
                answer=data["answer"],
                achieved=data["achieved"],
                bank_question_id=record.bank_question_id if record else data.get("bank_question"),
                record_id=record.pk if record else None,
            )
        except (ValidationError, PermissionDenied) as exc:
            assessment.refresh_from_db(fields=["state"])
            if not _access(request, assessment)["editable"]:
                # The forms are hidden now (state or licence changed): say it at the top.
                messages.error(request, _error_text(exc))
                url = reverse("assessments:assess_questions", args=[assessment.pk])
                return redirect(url), None
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Question saved."))
            url = reverse("assessments:assess_questions", args=[assessment.pk])
            return redirect(f"{url}#q-{saved.pk}"), None
    messages.error(request, _("The question was not saved: see the form below."))
    return None, form


urlpatterns = [
    path("assess/<int:pk>/observe/", observe, name="assess_observe"),
    path("assess/<int:pk>/observe/<int:criterion_id>/", observe_kuk, name="assess_observe_kuk"),
    path("assess/<int:pk>/questions/", questions, name="assess_questions"),
]
