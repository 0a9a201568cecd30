from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_lsp_admin=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an email address. One person may hold several roles (an assessor
    who is also an LSP admin); lower layers ask the user object, e.g. ``user.is_assessor``."""

    class Role(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate (asesi)")
        ASSESSOR = "assessor", _("Assessor (asesor)")
        LSP_ADMIN = "lsp_admin", _("LSP admin")
        DECISION_MAKER = "decision_maker", _("Decision maker (komite teknis)")
        LSP_HEAD = "lsp_head", _("LSP head (Ketua LSP)")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        default="id",
    )
    is_candidate = models.BooleanField(_("candidate"), default=False)
    is_assessor = models.BooleanField(_("assessor"), default=False)
    is_lsp_admin = models.BooleanField(_("LSP admin"), default=False)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_lsp_head = models.BooleanField(_("LSP head"), default=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(condition=~models.Q(email=""), name="user_email_not_blank"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def roles(self) -> list[str]:
        return [role for role in self.Role.values if getattr(self, f"is_{role}")]

    def has_role(self, role: str) -> bool:
        return role in self.Role.values and bool(getattr(self, f"is_{role}"))

    @property
    def role_labels(self) -> list[str]:
        return [str(self.Role(role).label) for role in self.roles]


class LSP(models.Model):
    """The LSP itself: one record, edited by LSP admins, shown on every page and PDF."""

    singleton = models.BooleanField(default=True, editable=False)
    name = models.CharField(_("name"), max_length=200, default="LSP Kompeten")
    short_code = models.CharField(
        _("short code"),
        max_length=20,
        default="LSP",
        help_text=_("Used in certificate and letter numbers, e.g. LSP-TIK."),
    )
    licence_number = models.CharField(_("BNSP licence number"), max_length=100, blank=True)
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="lsp/", blank=True)
    form_labels = models.JSONField(
        _("form codes and titles"),
        default=dict,
        blank=True,
        help_text=_(
            'Per form key, the code and title this LSP prints, e.g. {"apl01": {"code": '
            '"FR-APL-01", "title": "Permohonan Sertifikasi"}}.'
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    CACHE_KEY = "kompeten:lsp"

    class Meta:
        verbose_name = _("LSP")
        verbose_name_plural = _("LSP")
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="lsp_single_record"),
            models.CheckConstraint(condition=models.Q(singleton=True), name="lsp_singleton_true"),
            models.CheckConstraint(condition=~models.Q(name=""), name="lsp_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from django.core.cache import cache

        cache.delete(self.CACHE_KEY)

    @classmethod
    def load(cls) -> "LSP":
        from django.core.cache import cache

        lsp = cache.get(cls.CACHE_KEY)
        if lsp is None:
            lsp = cls.objects.filter(singleton=True).first() or cls()
            cache.set(cls.CACHE_KEY, lsp, 300)
        return lsp

    def form_label(self, key: str) -> dict[str, str]:
        """The code and title this LSP prints for a form (defaults: BNSP 2020)."""
        from assessments.models import FORM_TITLES, Form

        default = {"code": Form(key).label, "title": FORM_TITLES[Form(key)]}
        return {**default, **(self.form_labels or {}).get(key, {})}


class Appeal(models.Model):
    """FR.AK.04 Banding Asesmen: a candidate's appeal against the decision on their assessment.

    Filed by the candidate within KOMPETEN_APPEAL_WINDOW_DAYS of the decision ("filed"), assigned
    by an LSP admin to a reviewer not involved in the assessment or the decision ("under review",
    due by ``decide_by``), ruled "upheld" (a reassessment of the named units opens) or
    "rejected", with the reasons (certification.services_appeals).
    """

    class Status(models.TextChoices):
        FILED = "filed", _("Filed")
        UNDER_REVIEW = "under_review", _("Under review")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATUSES = (Status.FILED, Status.UNDER_REVIEW)

    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("assessment"),
    )
    filed_by = models.ForeignKey(
        "certification.User",
        on_delete=models.PROTECT,
        related_name="appeals_filed",
        verbose_name=_("filed by"),
    )
    process_explained = models.BooleanField(
        _("the appeal process was explained to the candidate"), default=False
    )
    discussed_with_assessor = models.BooleanField(
        _("the appeal was discussed with the assessor"), default=False
    )
    involved_other_person = models.BooleanField(
        _("another person is involved in the appeal"), default=False
    )
    other_person_name = models.CharField(_("name of the other person"), max_length=150, blank=True)
    reason = models.TextField(_("reason for the appeal"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FILED
    )
    # Handling (certification.services_appeals): a reviewer not involved in the assessment or
    # the decision, a deadline, the ruling with its reasons and, when upheld, the reassessment.
    decide_by = models.DateField(_("to be decided by"), null=True, blank=True)
    reviewer = models.ForeignKey(
        "certification.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals_reviewing",
        verbose_name=_("reviewer"),
    )
    assigned_by = models.ForeignKey(
        "certification.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    ruling = models.TextField(_("reasons for the outcome"), blank=True)
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    units = models.ManyToManyField(
        "schemes.Unit", blank=True, related_name="+", verbose_name=_("units to reassess")
    )
    reassessment = models.OneToOneField(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeal_origin",
        verbose_name=_("reassessment"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal (FR.AK.04)")
        verbose_name_plural = _("appeals (FR.AK.04)")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="appeal_reason_not_blank"),
            models.CheckConstraint(
                condition=models.Q(status__in=["filed", "under_review", "upheld", "rejected"]),
                name="appeal_status_valid",
            ),
            # One appeal in handling per assessment; after a ruling a new one may be filed
            # (still only inside the window, which the service checks).
            models.UniqueConstraint(
                fields=["assessment"],
                condition=models.Q(status__in=["filed", "under_review"]),
                name="appeal_one_open_per_assessment",
            ),
            models.CheckConstraint(
                condition=models.Q(status="filed") | models.Q(reviewer__isnull=False),
                name="appeal_handled_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["upheld", "rejected"])
                | (~models.Q(ruling="") & models.Q(ruled_at__isnull=False)),
                name="appeal_ruling_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"FR.AK.04 {self.assessment_id} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


# --- Certification (issue 6): decisions, decision letters, certificates, complaints -------------


class NumberSequence(models.Model):
    """A per-year counter for numbered documents (certificates, decision letters).

    A number is taken while the row is locked (select_for_update), so two people issuing at the
    same moment never get the same number; the counter only goes up, so a number is never handed
    out twice, not even after a certificate is withdrawn.
    """

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        DECISION_LETTER = "decision_letter", _("Decision letter (SK)")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number taken"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="number_sequence_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class DecisionLetter(models.Model):
    """The SK Hasil Uji Kompetensi: the letter, signed by the LSP head, that covers a batch of
    certification decisions (usually one pleno meeting). Its PDF is rendered elsewhere."""

    number = models.CharField(_("letter number"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    date = models.DateField(_("letter date"))
    signatory = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="decision_letters_to_sign",
        verbose_name=_("signed by (LSP head)"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    created_at = models.DateTimeField(_("prepared at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision letter (SK)")
        verbose_name_plural = _("decision letters (SK)")
        ordering = ["-date", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="decision_letter_number_unique"),
            models.UniqueConstraint(
                fields=["year", "sequence"], name="decision_letter_sequence_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(number=""), name="decision_letter_number_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class CertificationDecision(models.Model):
    """The pleno's decision on one reported assessment (ISO/IEC 17024 9.5): certified or not,
    by whom, when and on what basis. Never taken by anyone who assessed the candidate; a
    "certified" decision needs the assessor's recommendation K (every unit K)."""

    class Outcome(models.TextChoices):
        CERTIFIED = "certified", _("Certified")
        NOT_CERTIFIED = "not_certified", _("Not certified")

    class Recommendation(models.TextChoices):
        K = "K", _("K (Kompeten)")
        BK = "BK", _("BK (Belum Kompeten)")

    assessment = models.OneToOneField(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        related_name="certification_decision",
        verbose_name=_("assessment"),
    )
    scheme_version = models.ForeignKey(
        "schemes.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scheme version"),
    )
    assessment_date = models.DateField(_("assessment date"))
    recommendation = models.CharField(
        _("assessor's recommendation"), max_length=2, choices=Recommendation.choices
    )
    outcome = models.CharField(_("decision"), max_length=16, choices=Outcome.choices)
    basis = models.TextField(_("basis of the decision"))
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="certification_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    letter = models.ForeignKey(
        DecisionLetter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("decision letter (SK)"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certification decision")
        verbose_name_plural = _("certification decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["certified", "not_certified"]),
                name="decision_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(recommendation__in=["K", "BK"]),
                name="decision_recommendation_valid",
            ),
            models.CheckConstraint(condition=~models.Q(basis=""), name="decision_basis_not_blank"),
            # A candidate is certified only on a recommendation of K for every unit.
            models.CheckConstraint(
                condition=~models.Q(outcome="certified") | models.Q(recommendation="K"),
                name="decision_certified_needs_k",
            ),
        ]
        indexes = [models.Index(fields=["decided_at"], name="decision_decided_at_idx")]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.get_outcome_display()}"

    @property
    def is_certified(self) -> bool:
        return self.outcome == self.Outcome.CERTIFIED


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(state__in=Certificate.VALID_STATES)


class Certificate(FSMModelMixin, models.Model):
    """A competency certificate, issued only from a "certified" decision. The public sees its
    live state through an unguessable token (the QR code on the paper certificate)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        RESTORED = "restored", _("Restored")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    VALID_STATES = (State.ACTIVE, State.RESTORED)
    # States a certificate can still leave (suspended, restored, withdrawn, expired).
    LIVE_STATES = (State.ACTIVE, State.SUSPENDED, State.RESTORED)

    decision = models.OneToOneField(
        CertificationDecision,
        on_delete=models.PROTECT,
        related_name="certificate",
        verbose_name=_("certification decision"),
    )
    holder = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("holder")
    )
    holder_name = models.CharField(
        _("holder's name as printed"),
        max_length=150,
        help_text=_("Kept as issued, even if the account's name changes later."),
    )
    scheme_version = models.ForeignKey(
        "schemes.SchemeVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scheme version"),
    )
    units = models.ManyToManyField(
        "schemes.Unit", related_name="+", verbose_name=_("units (scope)")
    )
    number = models.CharField(_("certificate number"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    issued_on = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"))
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    bnsp_registration_number = models.CharField(
        _("BNSP registration number"), max_length=100, blank=True
    )
    blank_number = models.CharField(_("blank (blanko) number"), max_length=60, blank=True)
    token = models.CharField(_("verification token"), max_length=64, editable=False)
    state = FSMField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.ACTIVE,
        protected=True,
        db_index=True,
    )
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    recertification_reminded_at = models.DateTimeField(
        _("recertification reminder sent at"), null=True, blank=True
    )

    objects = CertificateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="certificate_number_unique"),
            models.UniqueConstraint(
                fields=["year", "sequence"], name="certificate_sequence_unique"
            ),
            models.UniqueConstraint(fields=["token"], name="certificate_token_unique"),
            models.UniqueConstraint(
                fields=["bnsp_registration_number"],
                condition=~models.Q(bnsp_registration_number=""),
                name="certificate_bnsp_number_unique",
            ),
            models.UniqueConstraint(
                fields=["blank_number"],
                condition=~models.Q(blank_number=""),
                name="certificate_blank_number_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(number=""), name="certificate_number_not_blank"
            ),
            models.CheckConstraint(
                condition=~models.Q(token=""), name="certificate_token_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("issued_on")),
                name="certificate_valid_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["active", "suspended", "restored", "withdrawn", "expired"]
                ),
                name="certificate_state_valid",
            ),
        ]
        indexes = [models.Index(fields=["state", "valid_until"], name="certificate_expiry_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.state in self.VALID_STATES

    def _stamp(self) -> None:
        self.state_changed_at = timezone.now()

    @transition(field=state, source=[State.ACTIVE, State.RESTORED], target=State.SUSPENDED)
    def suspend(self) -> None:
        self._stamp()

    @transition(field=state, source=State.SUSPENDED, target=State.RESTORED)
    def restore(self) -> None:
        self._stamp()

    @transition(field=state, source=list(LIVE_STATES), target=State.WITHDRAWN)
    def withdraw(self) -> None:
        self._stamp()

    @transition(field=state, source=list(LIVE_STATES), target=State.EXPIRED)
    def expire(self) -> None:
        self._stamp()


class Complaint(models.Model):
    """A complaint about a certified person, an assessment or the LSP, from anyone (the public
    form needs no account). Recorded, assigned to a handler, answered; it can lead to a
    suspension, recorded as a CertificateStatusChange that names it."""

    class About(models.TextChoices):
        CERTIFIED_PERSON = "certified_person", _("A certified person")
        ASSESSMENT = "assessment", _("An assessment or assessor")
        LSP = "lsp", _("The LSP's service")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_HANDLING = "in_handling", _("In handling")
        ANSWERED = "answered", _("Answered")

    name = models.CharField(_("your name"), max_length=150)
    email = models.EmailField(_("your email"))
    filed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints_filed",
        verbose_name=_("filed by (account)"),
    )
    about = models.CharField(_("about"), max_length=20, choices=About.choices)
    certificate_number = models.CharField(
        _("certificate number (if any)"), max_length=120, blank=True
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("certificate concerned"),
    )
    text = models.TextField(_("complaint"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    handler = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_handling",
        verbose_name=_("handler"),
    )
    assigned_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="complaint_text_not_blank"),
            models.CheckConstraint(condition=~models.Q(name=""), name="complaint_name_not_blank"),
            models.CheckConstraint(
                condition=models.Q(status__in=["received", "in_handling", "answered"]),
                name="complaint_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="received") | models.Q(handler__isnull=False),
                name="complaint_handled_has_handler",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="answered")
                | (~models.Q(answer="") & models.Q(answered_at__isnull=False)),
                name="complaint_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ANSWERED


class CertificateStatusChange(models.Model):
    """One recorded decision on a certificate's state (issued, suspended, restored, withdrawn,
    expired), with its reason and who took it; the expiry task leaves ``decided_by`` empty."""

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("certificate"),
    )
    from_state = models.CharField(
        _("from"), max_length=16, choices=Certificate.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=16, choices=Certificate.State.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("arising from complaint"),
    )

    class Meta:
        verbose_name = _("certificate status change")
        verbose_name_plural = _("certificate status changes")
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="certificate_change_reason_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    to_state__in=["active", "suspended", "restored", "withdrawn", "expired"]
                ),
                name="certificate_change_to_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.from_state or '-'} -> {self.to_state}"
