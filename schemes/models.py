"""The standards: SKKNI units of competency (unit -> element -> KUK) and certification schemes
with versions. A published scheme version is frozen, and so is every unit it references: a change
to such a unit becomes a new unit revision, used only by new draft versions."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords


class FrozenError(ValidationError):
    """Raised when something tries to change a unit or scheme version that is already in use."""


class Unit(models.Model):
    class StandardType(models.TextChoices):
        SKKNI = "skkni", _("SKKNI")
        SPECIAL = "khusus", _("Standar Khusus")
        INTERNATIONAL = "internasional", _("Standar Internasional")

    code = models.CharField(
        _("unit code"), max_length=64, help_text=_("Free text, e.g. J.620100.004.02")
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    standard_type = models.CharField(
        _("standard type"), max_length=16, choices=StandardType.choices, default=StandardType.SKKNI
    )
    variables = models.TextField(_("range of variables (batasan variabel)"), blank=True)
    assessment_guide = models.TextField(_("assessment guide (panduan penilaian)"), blank=True)
    frozen_at = models.DateTimeField(
        _("frozen at"),
        null=True,
        blank=True,
        help_text=_("Set when a published scheme version first uses this revision."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit of competency")
        verbose_name_plural = _("units of competency")
        ordering = ["code", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["code", "revision"], name="unit_code_revision_unique"),
            models.CheckConstraint(condition=~Q(code=""), name="unit_code_not_blank"),
            models.CheckConstraint(condition=~Q(title=""), name="unit_title_not_blank"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="unit_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def guard_mutable(self) -> None:
        if self.is_frozen:
            raise FrozenError(
                _("Unit %(code)s rev. %(rev)s is used by a published scheme and cannot change."),
                params={"code": self.code, "rev": self.revision},
                code="frozen",
            )

    def save(self, *args, **kwargs):
        # Freezing itself is the one allowed write to a frozen row (update_fields=["frozen_at"]).
        if self.pk and kwargs.get("update_fields") != ["frozen_at"]:
            stored = Unit.objects.filter(pk=self.pk).values_list("frozen_at", flat=True).first()
            if stored is not None:
                raise FrozenError(_("A frozen unit cannot change."), code="frozen")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.guard_mutable()
        return super().delete(*args, **kwargs)


class Element(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="elements", verbose_name=_("unit")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    question_text = models.CharField(
        _("APL.02 question"),
        max_length=500,
        blank=True,
        help_text=_("'Dapatkah saya ...?' Left empty, the question is built from the title."),
    )

    class Meta:
        verbose_name = _("element of competency")
        verbose_name_plural = _("elements of competency")
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "number"], name="element_number_unique_in_unit"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="element_number_positive"),
            models.CheckConstraint(condition=~Q(title=""), name="element_title_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def question(self) -> str:
        if self.question_text:
            return self.question_text
        title = self.title[:1].lower() + self.title[1:]
        return f"Dapatkah saya {title}?"

    def save(self, *args, **kwargs):
        Unit.objects.get(pk=self.unit_id).guard_mutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.unit.guard_mutable()
        return super().delete(*args, **kwargs)


class Criterion(models.Model):
    """A performance criterion (kriteria unjuk kerja, KUK)."""

    element = models.ForeignKey(
        Element, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("element")
    )
    number = models.CharField(_("number"), max_length=16, help_text=_("e.g. 1.1"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("criterion text"))
    question_text = models.CharField(_("APL.02 question"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("performance criterion (KUK)")
        verbose_name_plural = _("performance criteria (KUK)")
        ordering = ["element", "position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["element", "number"], name="criterion_number_unique_in_element"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="criterion_number_not_blank"),
            models.CheckConstraint(condition=~Q(text=""), name="criterion_text_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"

    def save(self, *args, **kwargs):
        Unit.objects.filter(elements=self.element_id).get().guard_mutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.element.unit.guard_mutable()
        return super().delete(*args, **kwargs)


class Scheme(models.Model):
    """A certification scheme (skema): the stable identity; its content lives in versions."""

    number = models.CharField(_("scheme number"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certification scheme")
        verbose_name_plural = _("certification schemes")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="scheme_number_not_blank")
        ]

    def __str__(self) -> str:
        return self.number


class SchemeVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=SchemeVersion.Status.PUBLISHED)


class SchemeVersion(FSMModelMixin, models.Model):
    class Type(models.TextChoices):
        KKNI = "kkni", _("KKNI")
        OKUPASI = "okupasi", _("Okupasi")
        KLASTER = "klaster", _("Klaster")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, related_name="versions", verbose_name=_("scheme")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=300)
    scheme_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    kkni_level = models.PositiveSmallIntegerField(
        _("KKNI level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    requirements = models.TextField(
        _("basic requirements (persyaratan dasar)"),
        blank=True,
        help_text=_("One requirement per line."),
    )
    required_documents = models.JSONField(
        _("required documents"),
        default=list,
        blank=True,
        help_text=_("Codes of the documents a candidate uploads with FR.APL.01."),
    )
    validity_years = models.PositiveSmallIntegerField(
        _("certificate validity (years)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    fee = models.DecimalField(_("fee (Rp)"), max_digits=12, decimal_places=0, default=Decimal(0))
    status = FSMField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.DRAFT,
        protected=True,
        db_index=True,
    )
    ratified_by = models.CharField(_("ratified by"), max_length=200, blank=True)
    ratified_on = models.DateField(_("ratified on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    source_hash = models.CharField(
        _("import fingerprint"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the imported content, so that re-importing it changes nothing."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SchemeVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")
        ordering = ["scheme__number", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "version"], name="scheme_version_unique"),
            models.UniqueConstraint(
                fields=["scheme"], condition=Q(status="draft"), name="scheme_single_draft"
            ),
            models.UniqueConstraint(
                fields=["scheme"], condition=Q(status="published"), name="scheme_single_published"
            ),
            # kkni_level__isnull=False: a CHECK passes when it evaluates to NULL, so without it a
            # kkni version with no level would slip through.
            models.CheckConstraint(
                condition=Q(
                    scheme_type="kkni",
                    kkni_level__isnull=False,
                    kkni_level__gte=1,
                    kkni_level__lte=9,
                )
                | (~Q(scheme_type="kkni") & Q(kkni_level__isnull=True)),
                name="scheme_version_kkni_level_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="scheme_version_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(validity_years__gte=1, validity_years__lte=10),
                name="scheme_version_validity_range",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="scheme_version_fee_not_negative"),
            models.CheckConstraint(condition=~Q(title=""), name="scheme_version_title_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.number} v{self.version} {self.title}"

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT

    def guard_mutable(self) -> None:
        if self.is_frozen:
            raise FrozenError(
                _("Version %(v)s of %(scheme)s is %(status)s and cannot change; edit a new draft."),
                params={
                    "v": self.version,
                    "scheme": self.scheme.number,
                    "status": self.get_status_display(),
                },
                code="frozen",
            )

    def has_units(self) -> bool:
        return SchemeUnit.objects.filter(group__version=self).exists()

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED, conditions=[has_units])
    def publish(self) -> None:
        self.published_at = timezone.now()

    @transition(field=status, source=Status.PUBLISHED, target=Status.RETIRED)
    def retire(self) -> None:
        self.retired_at = timezone.now()

    @property
    def requirement_list(self) -> list[str]:
        return [line.strip() for line in self.requirements.splitlines() if line.strip()]

    def units(self):
        return Unit.objects.filter(scheme_units__group__version=self).order_by(
            "scheme_units__group__position", "scheme_units__position"
        )


class UnitGroup(models.Model):
    """A kelompok pekerjaan: an ordered group of units within one scheme version."""

    version = models.ForeignKey(
        SchemeVersion,
        on_delete=models.CASCADE,
        related_name="groups",
        verbose_name=_("scheme version"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("work group (kelompok pekerjaan)")
        verbose_name_plural = _("work groups (kelompok pekerjaan)")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="unit_group_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        SchemeVersion.objects.get(pk=self.version_id).guard_mutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.version.guard_mutable()
        return super().delete(*args, **kwargs)


class SchemeUnit(models.Model):
    group = models.ForeignKey(
        UnitGroup, on_delete=models.CASCADE, related_name="scheme_units", verbose_name=_("group")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="scheme_units", verbose_name=_("unit")
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("unit in scheme")
        verbose_name_plural = _("units in scheme")
        ordering = ["group", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "position"], name="scheme_unit_position_unique"
            ),
            models.UniqueConstraint(fields=["group", "unit"], name="scheme_unit_once_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group} / {self.unit}"

    def save(self, *args, **kwargs):
        SchemeVersion.objects.get(groups=self.group_id).guard_mutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.group.version.guard_mutable()
        return super().delete(*args, **kwargs)
