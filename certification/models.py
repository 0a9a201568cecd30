from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


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
