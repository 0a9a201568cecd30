"""The candidate's side of the record: FR.APL.01 documents, FR.APL.02 self-assessment, portfolio
evidence and requests for more of it, the FR.AK.01 consent terms and FR.AK.03 feedback."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.core import Assessment


def private_upload_path(instance, filename: str) -> str:
    """Unguessable storage names grouped by assessment. Files are served only through
    permission-checked views; the person's own name for the file is kept in ``original_name``."""
    return f"assessments/{instance.assessment_id}/{uuid.uuid4().hex}/{filename}"


class StoredFile(models.Model):
    """What every upload keeps: who, when, size, the type detected from content, SHA-256."""

    file = models.FileField(_("file"), upload_to=private_upload_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def inline_preview(self) -> bool:
        return self.content_type in ("application/pdf", "image/jpeg", "image/png")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class DocumentKind(models.TextChoices):
    PHOTO = "photo", _("Photo (pas foto)")
    KTP = "ktp", _("ID card (KTP)")
    DIPLOMA = "ijazah", _("Diploma (ijazah)")
    CV = "cv", _("Curriculum vitae")
    TRAINING = "sertifikat_pelatihan", _("Training certificate")
    WORK_REFERENCE = "surat_keterangan_kerja", _("Work reference letter")
    PREVIOUS_CERTIFICATE = "sertifikat_kompetensi", _("Earlier competency certificate")
    PAYMENT = "bukti_bayar", _("Proof of payment")
    OTHER = "lainnya", _("Other document")


class ApplicationDocument(StoredFile):
    """A document required by the scheme (FR.APL.01 bukti persyaratan), checked by the admin:
    Ada/Tidak and Memenuhi/Tidak memenuhi."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="documents", verbose_name=_("assessment")
    )
    kind = models.CharField(_("document"), max_length=32, choices=DocumentKind.choices)
    # A replaced document stays in the record (the admin may have checked it); only the current
    # one (replaced_at empty) counts, one per kind.
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    present = models.BooleanField(_("present (ada)"), null=True, blank=True)
    meets = models.BooleanField(_("meets requirement (memenuhi)"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["assessment", "kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind"],
                condition=Q(replaced_at__isnull=True) & ~Q(kind="lainnya"),
                name="document_one_current_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(checked_at__isnull=True) | Q(present__isnull=False),
                name="document_checked_has_result",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
        ]


class EvidenceRequest(models.Model):
    """An assessor's request for more evidence, answered by the candidate with uploads."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="evidence_requests",
        verbose_name=_("assessment"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    what = models.TextField(_("what is missing"))
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("candidate's note"), blank=True)

    class Meta:
        verbose_name = _("evidence request")
        verbose_name_plural = _("evidence requests")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(what=""), name="evidence_request_what")]

    def __str__(self) -> str:
        return self.what[:60]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Evidence(StoredFile):
    """A piece of portfolio evidence. Once an assessor has reviewed it, it can no longer be
    deleted or replaced, only superseded by a newer upload (both stay in the record)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("assessment")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    request = models.ForeignKey(
        EvidenceRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("answers request"),
    )
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    reviewed_at = models.DateTimeField(_("first reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["assessment", "uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="evidence_title_not_blank"),
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=~Q(superseded_by=F("id")), name="evidence_not_superseded_by_itself"
            ),
        ]

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class SelfAssessment(models.Model):
    """FR.APL.02: the candidate's answer to "Dapatkah saya ...?" for one element."""

    class Answer(models.TextChoices):
        K = "K", _("K (competent)")
        BK = "BK", _("BK (not yet competent)")

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="self_assessments",
        verbose_name=_("assessment"),
    )
    element = models.ForeignKey(
        "schemes.Element", on_delete=models.PROTECT, related_name="+", verbose_name=_("element")
    )
    answer = models.CharField(_("answer"), max_length=2, choices=Answer.choices)
    evidence = models.ManyToManyField(
        Evidence, blank=True, related_name="self_assessments", verbose_name=_("supporting evidence")
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("self-assessment answer")
        verbose_name_plural = _("self-assessment answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "element"], name="self_assessment_once_per_element"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=["K", "BK"]), name="self_assessment_answer_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element_id}: {self.answer}"


class ConsentTerms(models.Model):
    """FR.AK.01: what the candidate and assessor agree (evidence to collect, when, where).
    Signatures live in Signature (document=ak01): candidate first, then the assessor."""

    class Method(models.TextChoices):
        PORTFOLIO = "portofolio", _("Portfolio verification (TL)")
        OBSERVATION = "observasi", _("Direct observation (L)")
        PRODUCT = "produk", _("Product review")
        STRUCTURED = "kegiatan_terstruktur", _("Structured activity")
        WRITTEN = "tertulis", _("Written questions")
        ORAL = "lisan", _("Oral questions")
        INTERVIEW = "wawancara", _("Interview")
        OTHER = "lainnya", _("Other")

    DEFAULT_METHODS = [Method.PORTFOLIO, Method.OBSERVATION, Method.ORAL]

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="consent", verbose_name=_("assessment")
    )
    methods = models.JSONField(_("evidence to collect"), default=list)
    other_method = models.CharField(_("other evidence"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("consent terms (FR.AK.01)")
        verbose_name_plural = _("consent terms (FR.AK.01)")

    def __str__(self) -> str:
        return f"AK.01 {self.assessment_id}"

    def method_labels(self) -> list[str]:
        labels = [str(self.Method(m).label) for m in self.methods if m in self.Method.values]
        if self.other_method:
            labels.append(self.other_method)
        return labels


AK03_ITEMS = [
    _("I received a clear explanation of the assessment process from the assessor."),
    _(
        "I understood the assessment process and had a chance to study the standard and "
        "assess myself."
    ),
    _("The assessor explored all evidence that supports my competence."),
    _("I was given the opportunity to demonstrate my competence in the assessment."),
    _("The assessor explained the assessment decision to me."),
    _("The assessor gave me feedback and explained the follow-up after the assessment."),
    _("The assessor and I signed all the assessment documents."),
    _("I was told that the assessment results are kept confidential."),
    _("The assessor used communication skills effectively during the assessment."),
]


class CandidateFeedback(models.Model):
    """FR.AK.03: the candidate's feedback on the assessment (9 fixed items Ya/Tidak + notes)."""

    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.CASCADE,
        related_name="candidate_feedback",
        verbose_name=_("assessment"),
    )
    answers = models.JSONField(_("answers"), help_text=_("Nine booleans, in AK03_ITEMS order."))
    comments = models.JSONField(_("comments per item"), default=list, blank=True)
    notes = models.TextField(_("other notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("candidate feedback (FR.AK.03)")
        verbose_name_plural = _("candidate feedback (FR.AK.03)")

    def __str__(self) -> str:
        return f"AK.03 {self.assessment_id}"

    def rows(self) -> list[tuple[str, bool, str]]:
        comments = list(self.comments or []) + [""] * len(AK03_ITEMS)
        return [
            (str(item), bool(answer), comments[i])
            for i, (item, answer) in enumerate(zip(AK03_ITEMS, self.answers, strict=False))
        ]
