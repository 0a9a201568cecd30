"""Two-factor authentication pages: the code step after the password, setting up an authenticator
app, backup codes and turning it off. The rules and services live in certification/otp.py."""

import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from certification import otp
from certification.models import User

_SETUP_KEY_SESSION_KEY = "two_factor_setup_key"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class DisableForm(CodeForm):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "code"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].widget.attrs.pop("autofocus")
        self.fields["password"].widget.attrs["autofocus"] = True

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


def login_pending(request: HttpRequest, *, user: User, next_url: str) -> HttpResponse:
    """After the right password from someone with an authenticator: remember who it was (they
    are not signed in yet) and ask for the code."""
    request.session[otp.PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
    }
    return redirect("two_factor_login")


def _next_url(request: HttpRequest) -> str:
    return otp.safe_next(request, request.POST.get("next") or request.GET.get("next")) or reverse(
        "home"
    )


@require_http_methods(["GET", "POST"])
def two_factor_login(request: HttpRequest) -> HttpResponse:
    """The code step: after the password (pending) or for a signed-in session not verified yet
    (an admin whose session predates their authenticator)."""
    pending = None
    if request.user.is_authenticated:
        user = request.user
        if user.is_verified() or otp.totp_device(user) is None:
            return redirect(_next_url(request))
        next_url = _next_url(request)
    else:
        pending = request.session.get(otp.PENDING_SESSION_KEY)
        user = None
        if pending and time.time() - pending["at"] < otp.PENDING_SECONDS:
            user = User.objects.filter(pk=pending["user"], is_active=True).first()
        if user is None:
            request.session.pop(otp.PENDING_SESSION_KEY, None)
            if pending:
                messages.info(request, _("Please sign in again: the code step timed out."))
            return redirect("login")
        next_url = pending["next"]

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = otp.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except otp.TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            if pending is not None:
                del request.session[otp.PENDING_SESSION_KEY]
                login(request, user, backend=pending["backend"])
            else:
                # A new session key for the raised privilege, as login() does.
                request.session.cycle_key()
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _(
                        "You signed in with a backup code; it cannot be used again. "
                        "%(count)s backup codes are left."
                    )
                    % {"count": otp.backup_codes_left(user)},
                )
            return redirect(next_url)
    return render(
        request,
        "registration/two_factor/login_code.html",
        {"form": form, "next": next_url if pending is None else ""},
    )


@login_required
@require_http_methods(["GET"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "registration/two_factor/overview.html",
        {
            "enabled": otp.totp_device(user) is not None,
            "required": otp.two_factor_required(user),
            "backup_codes_left": otp.backup_codes_left(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if otp.totp_device(user) is not None:
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("two_factor")
    key = request.session.get(_SETUP_KEY_SESSION_KEY)
    if not key:
        key = request.session[_SETUP_KEY_SESSION_KEY] = otp.new_totp_key()
    next_url = otp.safe_next(request, request.POST.get("next") or request.GET.get("next"))

    form = CodeForm(request.POST or None)
    form.fields["code"].widget.attrs["inputmode"] = "numeric"
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.two_factor_enable(user=user, key=key, code=form.cleaned_data["code"])
        except otp.TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            del request.session[_SETUP_KEY_SESSION_KEY]
            request.session.cycle_key()
            otp_login(request, otp.totp_device(user))
            messages.success(request, _("Two-factor authentication is on."))
            # Shown in this response only: the codes are never stored in clear or in a URL.
            return render(
                request,
                "registration/two_factor/backup_codes.html",
                {"codes": codes, "next": next_url or reverse("home")},
            )
    return render(
        request,
        "registration/two_factor/setup.html",
        {
            "form": form,
            "next": next_url or "",
            "qr": otp.qr_data_uri(otp.totp_config_url(user=user, key=key)),
            "secret": otp.totp_key_base32(key),
            "required": otp.two_factor_required(user),
        },
    )


def _needs_code(request: HttpRequest) -> HttpResponse | None:
    """Changing the second factor takes a session that passed it."""
    if otp.totp_device(request.user) is None:
        messages.info(request, _("Two-factor authentication is not turned on."))
        return redirect("two_factor")
    if not request.user.is_verified():
        return redirect(
            reverse("two_factor_login") + "?" + urlencode({"next": reverse("two_factor")})
        )
    return None


@login_required
@require_POST
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    if (refused := _needs_code(request)) is not None:
        return refused
    codes = otp.backup_codes_regenerate(user=request.user)
    messages.success(request, _("New backup codes are ready; the old ones no longer work."))
    return render(
        request,
        "registration/two_factor/backup_codes.html",
        {"codes": codes, "next": reverse("two_factor")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if (refused := _needs_code(request)) is not None:
        return refused
    user = request.user
    form = DisableForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            otp.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except otp.TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            otp.two_factor_disable(user=user)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("two_factor")
    return render(
        request,
        "registration/two_factor/disable.html",
        {"form": form, "required": otp.two_factor_required(user)},
    )
