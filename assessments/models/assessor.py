"""The assessor's record: impartiality, APL.02 review, the plan (FR.MAPA.01) with adjustments
(FR.AK.07) and readiness checks, observations per KUK (FR.IA.01), questions (FR.IA.03/07/09) from
a per-scheme bank, evidence review (FR.IA.08), third-party verification (FR.IA.10), the decision
per unit (FR.AK.02), feedback for the candidate, and the event report (FR.AK.05).

Further instruments (IA.02, IA.04, IA.05/06, IA.11 ...) are added as more ``Instrument`` choices
and their own record models keyed by (assessment, unit), without reshaping these."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.models.application import Evidence
from assessments.models.core import Assessment, AssessmentEvent


class Instrument(models.TextChoices):
    IA01 = "ia01", _("FR.IA.01 Observation checklist")
    IA02 = "ia02", _("FR.IA.02 Practical demonstration task")
    IA03 = "ia03", _("FR.IA.03 Questions supporting observation")
    IA04 = "ia04", _("FR.IA.04 Work-related project")
    IA05 = "ia05", _("FR.IA.05 Written multiple-choice questions")
    IA06 = "ia06", _("FR.IA.06 Written essay questions")
    IA07 = "ia07", _("FR.IA.07 Oral questions")
    IA08 = "ia08", _("FR.IA.08 Portfolio verification")
    IA09 = "ia09", _("FR.IA.09 Interview")
    IA10 = "ia10", _("FR.IA.10 Third-party verification")


class ImpartialityDeclaration(models.Model):
    """Before any candidate data is shown, the assessor declares, per event, any relationship
    with each candidate (ISO/IEC 17024 impartiality). A conflict blocks that one pairing."""

    class Relationship(models.TextChoices):
        NONE = "none", _("No relationship")
        FAMILY = "family", _("Family")
        EMPLOYER = "employer", _("Same employer / works for me")
        TRAINER = "trainer", _("I trained this candidate")
        OTHER = "other", _("Other relationship")

    event = models.ForeignKey(
        AssessmentEvent,
        on_delete=models.CASCADE,
        related_name="impartiality_declarations",
        verbose_name=_("event"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="impartiality_declarations",
        verbose_name=_("assessor"),
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="impartiality_declarations",
        verbose_name=_("assessment"),
    )
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("impartiality declaration")
        verbose_name_plural = _("impartiality declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["assessor", "assessment"], name="impartiality_once_per_pairing"
            ),
            models.CheckConstraint(
                condition=Q(relationship="none") | ~Q(note=""),
                name="impartiality_conflict_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessor} / {self.assessment_id}: {self.relationship}"

    @property
    def is_conflict(self) -> bool:
        return self.relationship != self.Relationship.NONE


class PreparationRecord(models.Model):
    """The assessor's preparation of one candidate: APL.02 review, plan context (MAPA.01), TUK
    readiness and document completeness, adjustments (AK.07)."""

    class Potensi(models.IntegerChoices):
        TRAINING_TRACEABLE = 1, _("1: training/education traceable to the standard")
        TRAINING_OTHER = 2, _("2: training/education not yet competency-based")
        WORKPLACE_TRACEABLE = 3, _("3: experienced worker, workplace traceable to the standard")
        WORKPLACE_OTHER = 4, _("4: experienced worker, workplace not yet competency-based")
        SELF_TAUGHT = 5, _("5: self-taught")

    class Context(models.TextChoices):
        WORKPLACE = "workplace", _("Real workplace")
        SIMULATION = "simulation", _("Simulated workplace")

    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.CASCADE,
        related_name="preparation",
        verbose_name=_("assessment"),
    )
    apl02_proceed = models.BooleanField(_("assessment can proceed"), null=True, blank=True)
    apl02_note = models.TextField(_("APL.02 review note"), blank=True)
    apl02_reviewed_at = models.DateTimeField(_("APL.02 reviewed at"), null=True, blank=True)
    potensi = models.PositiveSmallIntegerField(
        _("candidate background (potensi asesi)"), choices=Potensi.choices, null=True, blank=True
    )
    context = models.CharField(
        _("assessment context"), max_length=16, choices=Context.choices, blank=True
    )
    purpose_note = models.TextField(_("purpose and benchmark"), blank=True)
    tuk_ready = models.JSONField(_("TUK readiness checks"), default=dict, blank=True)
    documents_complete = models.JSONField(
        _("document completeness checks"), default=dict, blank=True
    )
    adjustments = models.JSONField(_("reasonable adjustments (FR.AK.07)"), default=dict, blank=True)
    plan_done_at = models.DateTimeField(_("plan completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("preparation record")
        verbose_name_plural = _("preparation records")
        constraints = [
            models.CheckConstraint(
                condition=Q(apl02_proceed__isnull=True) | Q(apl02_reviewed_at__isnull=False),
                name="preparation_apl02_review_dated",
            ),
            models.CheckConstraint(
                condition=~Q(apl02_proceed=False) | ~Q(apl02_note=""),
                name="preparation_apl02_refusal_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"Preparation {self.assessment_id}"


class UnitPlan(models.Model):
    """FR.MAPA.01 per unit: evidence type L/TL/T, methods and instruments."""

    class EvidenceType(models.TextChoices):
        L = "L", _("L (direct)")
        TL = "TL", _("TL (indirect)")
        T = "T", _("T (supplementary)")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="unit_plans",
        verbose_name=_("assessment"),
    )
    unit = models.ForeignKey(
        "schemes.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    evidence_types = models.JSONField(_("evidence types"), default=list)
    instruments = models.JSONField(_("instruments"), default=list)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("unit plan (FR.MAPA.01)")
        verbose_name_plural = _("unit plans (FR.MAPA.01)")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="unit_plan_once"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.assessment_id} / {self.unit_id}"


class Observation(models.Model):
    """FR.IA.01: one KUK observed, Ya/Tidak with a follow-up note. ``version`` gives optimistic
    locking: a save from a stale tab or a second assessor is refused, never silently lost."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("assessment"),
    )
    criterion = models.ForeignKey(
        "schemes.Criterion", on_delete=models.PROTECT, related_name="+", verbose_name=_("KUK")
    )
    achieved = models.BooleanField(_("achieved"), null=True, blank=True)
    note = models.TextField(_("follow-up note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("observation (FR.IA.01)")
        verbose_name_plural = _("observations (FR.IA.01)")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="observation_once_per_kuk"
            ),
        ]

    def __str__(self) -> str:
        return f"IA.01 {self.assessment_id} / {self.criterion_id}: {self.achieved}"


class BankQuestion(models.Model):
    """A question in the scheme's question bank (maintained by the LSP admin)."""

    scheme = models.ForeignKey(
        "schemes.Scheme",
        on_delete=models.CASCADE,
        related_name="question_bank",
        verbose_name=_("scheme"),
    )
    unit_code = models.CharField(_("unit code"), max_length=64, blank=True)
    instrument = models.CharField(
        _("instrument"),
        max_length=8,
        choices=[
            (Instrument.IA03, Instrument.IA03.label),
            (Instrument.IA07, Instrument.IA07.label),
            (Instrument.IA09, Instrument.IA09.label),
        ],
    )
    text = models.TextField(_("question"))
    expected_answer = models.TextField(_("expected answer"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bank question")
        verbose_name_plural = _("question bank")
        ordering = ["scheme", "instrument", "unit_code", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="bank_question_text_not_blank"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class QuestionRecord(models.Model):
    """A question asked (IA.03 supporting, IA.07 oral, IA.09 interview), from the bank or ad hoc."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="questions", verbose_name=_("assessment")
    )
    unit = models.ForeignKey(
        "schemes.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    instrument = models.CharField(_("instrument"), max_length=8, choices=Instrument.choices)
    bank_question = models.ForeignKey(
        BankQuestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from the bank"),
    )
    question = models.TextField(_("question"))
    expected_answer = models.TextField(_("expected answer"), blank=True)
    answer = models.TextField(_("candidate's answer"), blank=True)
    achieved = models.BooleanField(_("achieved"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("question asked")
        verbose_name_plural = _("questions asked")
        ordering = ["assessment", "unit", "recorded_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(question=""), name="question_record_not_blank"),
            models.CheckConstraint(
                condition=Q(instrument__in=["ia03", "ia07", "ia09"]),
                name="question_record_instrument",
            ),
        ]

    def __str__(self) -> str:
        return self.question[:80]


class EvidenceReview(models.Model):
    """FR.IA.08: one evidence item checked Valid / Asli / Terkini / Memadai (VATM)."""

    evidence = models.OneToOneField(
        Evidence, on_delete=models.PROTECT, related_name="review", verbose_name=_("evidence")
    )
    valid = models.BooleanField(_("valid"))
    authentic = models.BooleanField(_("authentic (asli)"))
    current = models.BooleanField(_("current (terkini)"))
    sufficient = models.BooleanField(_("sufficient (memadai)"))
    note = models.TextField(_("note"), blank=True)
    criteria = models.ManyToManyField(
        "schemes.Criterion", blank=True, related_name="+", verbose_name=_("KUK supported")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence review (FR.IA.08)")
        verbose_name_plural = _("evidence reviews (FR.IA.08)")

    def __str__(self) -> str:
        return f"IA.08 {self.evidence_id}"

    @property
    def meets_vatm(self) -> bool:
        return self.valid and self.authentic and self.current and self.sufficient


class ThirdPartyVerification(models.Model):
    """FR.IA.10: a supervisor's clarification of evidence, recorded by the assessor."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="third_party_verifications",
        verbose_name=_("assessment"),
    )
    supervisor_name = models.CharField(_("supervisor name"), max_length=150)
    workplace = models.CharField(_("workplace"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    relationship = models.CharField(_("relationship to the candidate"), max_length=200)
    known_for = models.CharField(_("known the candidate for"), max_length=100)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("third-party verification (FR.IA.10)")
        verbose_name_plural = _("third-party verifications (FR.IA.10)")
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor_name=""), name="third_party_supervisor_named"
            ),
        ]

    def __str__(self) -> str:
        return f"IA.10 {self.assessment_id}: {self.supervisor_name}"


class UnitDecision(models.Model):
    """FR.AK.02: K or BK for one unit, with the evidence used; BK needs reason and follow-up."""

    class Outcome(models.TextChoices):
        K = "K", _("Kompeten")
        BK = "BK", _("Belum Kompeten")

    class Source(models.TextChoices):
        OBSERVATION = "observasi", _("Observation")
        PORTFOLIO = "portofolio", _("Portfolio")
        THIRD_PARTY = "pihak_ketiga", _("Third-party report")
        INTERVIEW = "wawancara", _("Interview")
        ORAL = "lisan", _("Oral questions")
        WRITTEN = "tertulis", _("Written questions")
        PROJECT = "proyek", _("Project")
        OTHER = "lainnya", _("Other")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="unit_decisions",
        verbose_name=_("assessment"),
    )
    unit = models.ForeignKey(
        "schemes.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    outcome = models.CharField(_("outcome"), max_length=2, choices=Outcome.choices)
    sources = models.JSONField(_("evidence used"), default=list)
    reason = models.TextField(_("reason"), blank=True)
    follow_up = models.TextField(_("follow-up (units/elements to reassess)"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit decision (FR.AK.02)")
        verbose_name_plural = _("unit decisions (FR.AK.02)")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="unit_decision_once"),
            models.CheckConstraint(
                condition=Q(outcome__in=["K", "BK"]), name="unit_decision_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="K") | (~Q(reason="") & ~Q(follow_up="")),
                name="unit_decision_bk_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"AK.02 {self.assessment_id} / {self.unit_id}: {self.outcome}"


class AssessorFeedback(models.Model):
    """Strengths and gaps per unit, written for the candidate and shown with the result."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="assessor_feedback",
        verbose_name=_("assessment"),
    )
    unit = models.ForeignKey(
        "schemes.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    strengths = models.TextField(_("strengths"))
    gaps = models.TextField(_("gaps to work on"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("assessor feedback")
        verbose_name_plural = _("assessor feedback")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="assessor_feedback_once"),
            models.CheckConstraint(
                condition=~Q(strengths=""), name="assessor_feedback_strengths_written"
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.assessment_id} / {self.unit_id}"


class EventReport(models.Model):
    """FR.AK.05 per event and assessor, with the Berita Acara counts derived from the record."""

    event = models.ForeignKey(
        AssessmentEvent, on_delete=models.CASCADE, related_name="reports", verbose_name=_("event")
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessor"),
    )
    positive_aspects = models.TextField(_("positive aspects"), blank=True)
    negative_aspects = models.TextField(_("negative aspects"), blank=True)
    rejections = models.TextField(_("recorded rejections of results"), blank=True)
    suggestions = models.TextField(_("improvement suggestions"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event report (FR.AK.05)")
        verbose_name_plural = _("event reports (FR.AK.05)")
        constraints = [
            models.UniqueConstraint(fields=["event", "assessor"], name="event_report_once"),
        ]

    def __str__(self) -> str:
        return f"AK.05 {self.event_id} / {self.assessor_id}"
