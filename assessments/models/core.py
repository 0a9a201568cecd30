"""Who is assessed, by whom, where, and what is recorded.

The assessment's state machine is the one table every workflow uses; transitions are only called
from services (assessments/services.py), which lock the row, save with update_fields and set the
history change reason, so that django-simple-history is the one audit trail.
"""

import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.templatetags.tz import do_timezone
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from assessments.fields import EncryptedCharField, LookupHashField, nik_lookup_hash

nik_validator = RegexValidator(r"^\d{16}$", _("NIK must be exactly 16 digits."))
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 \-]{6,18}$", _("Enter a phone number of digits, e.g. 0812 3456 7890.")
)
met_validator = RegexValidator(
    r"^MET\.\d{3}\.\d{6}\.\d{4}$", _("A MET number looks like MET.000.004512.2019.")
)


class Form(models.TextChoices):
    """The documents of the BNSP 2020 set. The LSP may show its own code and title for each."""

    APL01 = "apl01", "FR.APL.01"
    APL02 = "apl02", "FR.APL.02"
    MAPA01 = "mapa01", "FR.MAPA.01"
    AK01 = "ak01", "FR.AK.01"
    AK02 = "ak02", "FR.AK.02"
    AK03 = "ak03", "FR.AK.03"
    AK04 = "ak04", "FR.AK.04"
    AK05 = "ak05", "FR.AK.05"
    AK07 = "ak07", "FR.AK.07"
    IA01 = "ia01", "FR.IA.01"
    IA03 = "ia03", "FR.IA.03"
    IA07 = "ia07", "FR.IA.07"
    IA08 = "ia08", "FR.IA.08"
    IA09 = "ia09", "FR.IA.09"
    IA10 = "ia10", "FR.IA.10"
    BERITA_ACARA = "berita_acara", "Berita Acara Asesmen"
    SURAT_TUGAS = "surat_tugas", "Surat Tugas"
    DAFTAR_HADIR = "daftar_hadir", "Daftar Hadir"
    SK = "sk", "SK Hasil Uji Kompetensi"
    CERTIFICATE = "certificate", "Sertifikat"


# Default (BNSP 2020) titles; an LSP can override code and title per form on its LSP record.
FORM_TITLES = {
    Form.APL01: "Permohonan Sertifikasi Kompetensi",
    Form.APL02: "Asesmen Mandiri",
    Form.MAPA01: "Merencanakan Aktivitas dan Proses Asesmen",
    Form.AK01: "Persetujuan Asesmen dan Kerahasiaan",
    Form.AK02: "Rekaman Asesmen Kompetensi",
    Form.AK03: "Umpan Balik dan Catatan Asesmen",
    Form.AK04: "Banding Asesmen",
    Form.AK05: "Laporan Asesmen",
    Form.AK07: "Penyesuaian yang Wajar dan Beralasan",
    Form.IA01: "Ceklis Observasi Aktivitas di Tempat Kerja atau Tempat Kerja Simulasi",
    Form.IA03: "Pertanyaan untuk Mendukung Observasi",
    Form.IA07: "Pertanyaan Lisan",
    Form.IA08: "Ceklis Verifikasi Portofolio",
    Form.IA09: "Pertanyaan Wawancara",
    Form.IA10: "Klarifikasi Bukti Pihak Ketiga",
    Form.BERITA_ACARA: "Berita Acara Asesmen",
    Form.SURAT_TUGAS: "Surat Tugas Asesor",
    Form.DAFTAR_HADIR: "Daftar Hadir Uji Kompetensi",
    Form.SK: "Surat Keputusan Hasil Uji Kompetensi",
    Form.CERTIFICATE: "Sertifikat Kompetensi",
}


class AssessorProfile(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        SUSPENDED = "suspended", _("Suspended")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessor_profile",
        verbose_name=_("user"),
    )
    met_number = models.CharField(
        _("MET number"), max_length=32, unique=True, validators=[met_validator]
    )
    licence_valid_until = models.DateField(_("licence valid until"))
    scope = models.ManyToManyField(
        "schemes.Scheme", blank=True, related_name="assessors", verbose_name=_("scope (schemes)")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    history = HistoricalRecords(excluded_fields=["scope"])

    class Meta:
        verbose_name = _("assessor profile")
        verbose_name_plural = _("assessor profiles")
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(met_number__regex=r"^MET\.[0-9]{3}\.[0-9]{6}\.[0-9]{4}$"),
                name="assessor_met_number_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.met_number})"

    def licence_valid_on(self, day) -> bool:
        return self.licence_valid_until >= day

    @property
    def licence_expired(self) -> bool:
        return not self.licence_valid_on(timezone.localdate())

    @property
    def licence_days_left(self) -> int:
        return (self.licence_valid_until - timezone.localdate()).days


class CandidateProfile(models.Model):
    """Personal and job data of FR.APL.01 part 1, kept once and reused for later applications."""

    class Sex(models.TextChoices):
        MALE = "L", _("Male (laki-laki)")
        FEMALE = "P", _("Female (perempuan)")

    class Education(models.TextChoices):
        SD = "sd", _("Primary school (SD)")
        SMP = "smp", _("Junior secondary (SMP)")
        SMA = "sma", _("Senior secondary (SMA/SMK/MA)")
        D1 = "d1", "D1"
        D2 = "d2", "D2"
        D3 = "d3", "D3"
        D4 = "d4", "D4"
        S1 = "s1", "S1"
        S2 = "s2", "S2"
        S3 = "s3", "S3"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="candidate_profile",
        verbose_name=_("user"),
    )
    # Encrypted at rest (UU PDP, docs/privacy.md); equality and uniqueness go through nik_hash,
    # which every write recomputes from it.
    nik = EncryptedCharField(
        _("NIK (national ID number)"), max_length=16, validators=[nik_validator]
    )
    nik_hash = LookupHashField(_("NIK lookup hash"), source="nik")
    birth_place = models.CharField(_("place of birth"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    nationality = models.CharField(_("nationality"), max_length=60, default="Indonesia")
    address = models.TextField(_("home address"))
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, validators=[phone_validator])
    education = models.CharField(_("highest education"), max_length=8, choices=Education.choices)
    institution = models.CharField(_("institution / company"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    job_address = models.TextField(_("office address"), blank=True)
    job_phone = models.CharField(
        _("office phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    job_email = models.EmailField(_("office email"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("candidate profile")
        verbose_name_plural = _("candidate profiles")
        ordering = ["user__full_name"]
        constraints = [
            # The NIK itself is ciphertext in the database: its 16 digits are checked by the
            # field's validator, and uniqueness is on the keyed hash.
            models.UniqueConstraint(fields=["nik_hash"], name="candidate_nik_hash_unique"),
            models.CheckConstraint(condition=Q(sex__in=["L", "P"]), name="candidate_sex_valid"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self):
        # full_clean validates the unique constraint on the hash the next save will write.
        self.nik_hash = nik_lookup_hash(self.nik or "")

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "nik" in update_fields:
            kwargs["update_fields"] = {*update_fields, "nik_hash"}
        super().save(*args, **kwargs)


class TUK(models.Model):
    """Tempat Uji Kompetensi: where assessments take place."""

    class Type(models.TextChoices):
        SEWAKTU = "sewaktu", _("Sewaktu")
        TEMPAT_KERJA = "tempat_kerja", _("Tempat Kerja")
        MANDIRI = "mandiri", _("Mandiri")
        REMOTE = "jarak_jauh", _("Jarak jauh (remote)")

    class Zone(models.TextChoices):
        WIB = "Asia/Jakarta", "WIB"
        WITA = "Asia/Makassar", "WITA"
        WIT = "Asia/Jayapura", "WIT"

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not yet verified")
        SESUAI = "sesuai", _("Sesuai")
        BELUM_SESUAI = "belum_sesuai", _("Belum sesuai")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    tuk_type = models.CharField(_("TUK type"), max_length=16, choices=Type.choices)
    address = models.TextField(_("address"))
    city = models.CharField(_("city"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=32, choices=Zone.choices, default=Zone.WIB
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    verification_status = models.CharField(
        _("verification"),
        max_length=16,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("TUK (assessment venue)")
        verbose_name_plural = _("TUK (assessment venues)")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verification_status="unverified") | Q(verified_on__isnull=False),
                name="tuk_verified_has_date",
            ),
            models.CheckConstraint(
                condition=Q(time_zone__in=["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
                name="tuk_time_zone_indonesian",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.SESUAI

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def zone_label(self) -> str:
        return self.Zone(self.time_zone).label


class AssessmentEvent(FSMModelMixin, models.Model):
    """A jadwal uji kompetensi: one scheme version at one TUK at one time, with its assessors."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for registration")
        CLOSED = "closed", _("Registration closed")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    scheme_version = models.ForeignKey(
        "schemes.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("scheme version"),
    )
    tuk = models.ForeignKey(
        TUK, on_delete=models.PROTECT, related_name="events", verbose_name=_("TUK")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    quota = models.PositiveIntegerField(_("quota"), validators=[MinValueValidator(1)])
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="EventAssessor",
        through_fields=("event", "assessor"),
        related_name="assessed_events",
        verbose_name=_("assessors"),
    )
    status = FSMField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED, protected=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(quota__gte=1), name="event_quota_positive"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="event_starts_at_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def local_starts_at(self):
        # do_timezone marks the value so that templates do not convert it back to the active
        # time zone: an 08:00 WITA event must read 08:00 WITA everywhere.
        return do_timezone(self.starts_at, self.tuk.tzinfo)

    @property
    def local_ends_at(self):
        return do_timezone(self.ends_at, self.tuk.tzinfo)

    @transition(field=status, source=Status.PLANNED, target=Status.OPEN)
    def open(self) -> None:
        pass

    @transition(field=status, source=[Status.PLANNED, Status.OPEN], target=Status.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=status, source=[Status.OPEN, Status.CLOSED], target=Status.DONE)
    def finish(self) -> None:
        pass

    @transition(
        field=status, source=[Status.PLANNED, Status.OPEN, Status.CLOSED], target=Status.CANCELLED
    )
    def cancel(self) -> None:
        pass


class EventAssessor(models.Model):
    event = models.ForeignKey(
        AssessmentEvent,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("event"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="event_assignments",
        verbose_name=_("assessor"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("event assessor")
        verbose_name_plural = _("event assessors")
        constraints = [
            models.UniqueConstraint(fields=["event", "assessor"], name="event_assessor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event} / {self.assessor}"


class AssessmentQuerySet(models.QuerySet):
    def for_candidate(self, user):
        return self.filter(candidate=user)

    def for_assessor(self, user):
        return self.filter(assessor=user)

    def open(self):
        return self.exclude(state__in=Assessment.TERMINAL_STATES)


class Assessment(FSMModelMixin, models.Model):
    """One candidate assessed in one scheme version (FR.APL.01 through FR.AK.05)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SCHEDULED = "scheduled", _("Scheduled")
        CLEARED = "cleared", _("Cleared to proceed")
        PREPARED = "prepared", _("Prepared")
        IN_PROGRESS = "in_progress", _("In progress")
        RECOMMENDED = "recommended", _("Recommended")
        REPORTED = "reported", _("Reported")
        DECIDED = "decided", _("Decided")
        REOPENED = "reopened", _("Reopened")
        ABSENT = "absent", _("Absent")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Purpose(models.TextChoices):
        CERTIFICATION = "sertifikasi", _("Sertifikasi")
        RECERTIFICATION = "sertifikasi_ulang", _("Sertifikasi Ulang")
        PKT = "pkt", _("PKT (recognition of current competence)")
        RPL = "rpl", _("RPL (recognition of prior learning)")
        OTHER = "lainnya", _("Lainnya")

    TERMINAL_STATES = (State.REJECTED, State.DECIDED, State.ABSENT, State.WITHDRAWN)
    # States in which the record is locked for the assessor (a correction is an audited reopen).
    LOCKED_STATES = (State.REPORTED, State.DECIDED)
    BEFORE_REPORTED = (
        State.DRAFT,
        State.SUBMITTED,
        State.RETURNED,
        State.ACCEPTED,
        State.SCHEDULED,
        State.CLEARED,
        State.PREPARED,
        State.IN_PROGRESS,
        State.RECOMMENDED,
    )

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="candidate_assessments",
        verbose_name=_("candidate"),
    )
    scheme_version = models.ForeignKey(
        "schemes.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("scheme version"),
    )
    event = models.ForeignKey(
        AssessmentEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("event"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessor_assessments",
        verbose_name=_("assessor"),
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reassessments",
        verbose_name=_("reassessment of"),
    )
    purpose = models.CharField(
        _("purpose (tujuan)"), max_length=20, choices=Purpose.choices, default=Purpose.CERTIFICATION
    )
    purpose_other = models.CharField(_("other purpose"), max_length=200, blank=True)
    state = FSMField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.DRAFT,
        protected=True,
        db_index=True,
    )
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    state_note = models.TextField(_("note on the last state change"), blank=True)
    returned_sections = models.JSONField(_("sections to revise"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    payment_confirmed_at = models.DateTimeField(_("payment confirmed at"), null=True, blank=True)
    payment_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment confirmed by"),
    )
    attended_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(
                    state__in=[
                        "scheduled",
                        "cleared",
                        "prepared",
                        "in_progress",
                        "recommended",
                        "reported",
                        "decided",
                        "reopened",
                    ]
                )
                | (Q(event__isnull=False) & Q(assessor__isnull=False)),
                name="assessment_scheduled_has_event_and_assessor",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["reported", "decided", "reopened"])
                | Q(reported_at__isnull=False),
                name="assessment_reported_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(previous=F("id")), name="assessment_not_its_own_previous"
            ),
            models.CheckConstraint(
                condition=~Q(purpose="lainnya") | ~Q(purpose_other=""),
                name="assessment_other_purpose_named",
            ),
            # A candidate has at most one live application per scheme version.
            models.UniqueConstraint(
                fields=["candidate", "scheme_version"],
                condition=~Q(state__in=["rejected", "decided", "absent", "withdrawn"]),
                name="assessment_one_open_per_candidate_and_version",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "state"], name="assessment_event_state_idx"),
            models.Index(fields=["assessor", "state"], name="assessment_assessor_state_idx"),
            models.Index(fields=["candidate", "state"], name="assessment_candidate_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} / {self.scheme_version.scheme.number}"

    @property
    def is_locked(self) -> bool:
        return self.state in self.LOCKED_STATES

    def _has_schedule(self) -> bool:
        return self.event_id is not None and self.assessor_id is not None

    def _stamp(self) -> None:
        self.state_changed_at = timezone.now()

    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED)
    def submit(self) -> None:
        self._stamp()
        self.submitted_at = self.state_changed_at
        self.returned_sections = []

    @transition(field=state, source=[State.SUBMITTED, State.SCHEDULED], target=State.RETURNED)
    def return_for_revision(self) -> None:
        self._stamp()

    @transition(field=state, source=State.SUBMITTED, target=State.ACCEPTED)
    def accept(self) -> None:
        self._stamp()

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self) -> None:
        self._stamp()

    @transition(
        field=state, source=State.ACCEPTED, target=State.SCHEDULED, conditions=[_has_schedule]
    )
    def schedule(self) -> None:
        self._stamp()

    @transition(field=state, source=State.SCHEDULED, target=State.CLEARED)
    def clear(self) -> None:
        self._stamp()

    @transition(field=state, source=State.CLEARED, target=State.PREPARED)
    def prepare(self) -> None:
        self._stamp()

    @transition(field=state, source=[State.PREPARED, State.REOPENED], target=State.IN_PROGRESS)
    def start(self) -> None:
        self._stamp()

    @transition(field=state, source=State.IN_PROGRESS, target=State.RECOMMENDED)
    def recommend(self) -> None:
        self._stamp()

    @transition(field=state, source=State.RECOMMENDED, target=State.REPORTED)
    def report(self) -> None:
        self._stamp()
        self.reported_at = self.state_changed_at

    @transition(field=state, source=State.REPORTED, target=State.DECIDED)
    def decide(self) -> None:
        self._stamp()

    @transition(field=state, source=State.REPORTED, target=State.REOPENED)
    def reopen(self) -> None:
        self._stamp()

    @transition(
        field=state, source=[State.SCHEDULED, State.CLEARED, State.PREPARED], target=State.ABSENT
    )
    def mark_absent(self) -> None:
        self._stamp()

    @transition(field=state, source=list(BEFORE_REPORTED), target=State.WITHDRAWN)
    def withdraw(self) -> None:
        self._stamp()


class Signature(models.Model):
    """A signature on one document of one subject (an assessment, an event, a certificate)."""

    class Role(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ASSESSOR = "assessor", _("Assessor")
        LSP_ADMIN = "lsp_admin", _("LSP admin")
        DECISION_MAKER = "decision_maker", _("Decision maker")
        LSP_HEAD = "lsp_head", _("LSP head")

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("signer"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    typed_name = models.CharField(_("typed full name"), max_length=150)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    image = models.FileField(_("drawn signature"), upload_to="signatures/%Y/%m/", blank=True)
    document = models.CharField(_("document"), max_length=16, choices=Form.choices)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "subject_type", "subject_id", "signer", "role"],
                name="signature_once_per_signer_role_document",
            ),
            models.CheckConstraint(
                condition=~Q(typed_name=""), name="signature_typed_name_not_blank"
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="signature_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.typed_name} ({self.get_role_display()}) {self.get_document_display()}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notice; the email copy is sent by a Celery task after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="notification_title_not_blank"),
            # A path on this site only: "//host/..." and "/\host/..." start with a slash but
            # browsers follow them to another host.
            models.CheckConstraint(
                condition=Q(url="")
                | (Q(url__startswith="/") & ~Q(url__startswith="//") & ~Q(url__startswith="/\\")),
                name="notification_url_local",
            ),
        ]

    def __str__(self) -> str:
        return self.title
