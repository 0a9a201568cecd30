"""Account forms: sign-in with an email address, candidate self-registration, resend link."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.utils.translation import gettext_lazy as _

from certification.models import User


class LoginForm(AuthenticationForm):
    """Django's sign-in form; the "username" field holds the email (User.USERNAME_FIELD)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or password is not correct."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Email")
        username.widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "maxlength": 254}
        )
        self.fields["password"].label = _("Password")

    def clean_username(self) -> str:
        # Addresses are stored lower-case; people type them any way. Axes sees the cleaned value
        # too, so "Alice@" and "alice@" count against the same lockout.
        return (self.cleaned_data.get("username") or "").strip().lower()


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As on your ID card (KTP); it is printed on your certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send a link to this address to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the LSP processes my personal data to handle my certification, "
            "and keeps it confidential."
        ),
        error_messages={"required": _("We can only register you with your consent.")},
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "An account with this email address already exists. Sign in, or reset your "
                    "password if you forgot it."
                ),
                code="duplicate_email",
            )
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            # Checked against an unsaved user so that "too similar to your name/email" works.
            probe = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name", ""))
            try:
                validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class LSPForm(forms.ModelForm):
    """The LSP record, plus the code and title the LSP prints for each form (older LSPs still
    use FR-MAK style codes): two fields per form, ``code_<key>`` and ``title_<key>``."""

    logo_upload = forms.FileField(
        label=_("Logo"), required=False, help_text=_("PNG or JPEG, shown on every page and PDF.")
    )

    class Meta:
        from certification.models import LSP

        model = LSP
        fields = [
            "name",
            "short_code",
            "licence_number",
            "licence_valid_until",
            "address",
            "city",
            "phone",
            "email",
            "website",
        ]
        widgets = {
            "licence_valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        from assessments.models import FORM_TITLES, Form

        super().__init__(*args, **kwargs)
        labels = self.instance.form_labels or {}
        self.form_keys = []
        for form in Form:
            custom = labels.get(form.value, {})
            self.fields[f"code_{form.value}"] = forms.CharField(
                label=_("Code"),
                max_length=40,
                required=False,
                initial=custom.get("code", ""),
                widget=forms.TextInput(attrs={"placeholder": form.label}),
            )
            self.fields[f"title_{form.value}"] = forms.CharField(
                label=_("Title"),
                max_length=200,
                required=False,
                initial=custom.get("title", ""),
                widget=forms.TextInput(attrs={"placeholder": FORM_TITLES[form]}),
            )
            self.form_keys.append((form.value, form.label, FORM_TITLES[form]))

    def clean_logo_upload(self):
        from assessments.uploads import UploadRefused, check_upload

        logo = self.cleaned_data.get("logo_upload")
        if logo:
            try:
                check_upload(logo, allowed=("png", "jpg", "jpeg"))
            except UploadRefused as exc:
                raise forms.ValidationError(exc.messages) from exc
        return logo

    def form_labels(self) -> dict[str, dict[str, str]]:
        labels = {}
        for key, _code, _title in self.form_keys:
            entry = {}
            if self.cleaned_data.get(f"code_{key}", "").strip():
                entry["code"] = self.cleaned_data[f"code_{key}"].strip()
            if self.cleaned_data.get(f"title_{key}", "").strip():
                entry["title"] = self.cleaned_data[f"title_{key}"].strip()
            if entry:
                labels[key] = entry
        return labels

    def form_rows(self):
        return [
            (key, code, title, self[f"code_{key}"], self[f"title_{key}"])
            for key, code, title in self.form_keys
        ]
