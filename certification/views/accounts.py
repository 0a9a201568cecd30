"""Sign-in, sign-out, password pages, candidate self-registration and email verification.

The password views are Django's own (tokens, throttled sign-in through django-axes) with our
templates; only the small differences are subclassed here.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certification import otp, services
from certification.forms import LoginForm, RegistrationForm, ResendVerificationForm
from certification.models import LSP, User
from certification.views import twofactor

# Logging in right after registration skips authenticate(); name the backend explicitly because
# several are configured (axes, rules, model).
_LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if otp.totp_device(user) is not None:
            # The right password is only the first step: not signed in until the code passes.
            return twofactor.login_pending(self.request, user=user, next_url=self.get_success_url())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Links in the reset mail use KOMPETEN_BASE_URL, never the request's Host header."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        self.extra_email_context = {
            "base_url": settings.KOMPETEN_BASE_URL.rstrip("/"),
            "lsp": LSP.load(),
        }
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        except ValidationError as error:
            field = "email" if getattr(error, "code", None) == "duplicate_email" else None
            form.add_error(field, error)
        else:
            login(request, user, backend=_LOGIN_BACKEND)
            messages.success(
                request,
                _(
                    "Welcome, %(name)s! We sent a link to %(email)s: open it to confirm your email "
                    "address."
                )
                % {"name": user.get_short_name(), "email": user.email},
            )
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.user_verify_email(token=token)
    except services.EmailVerificationError as error:
        initial = {"email": request.user.email} if request.user.is_authenticated else {}
        return render(
            request,
            "registration/verify_email_failed.html",
            {
                "error": error.messages[0],
                "expired": error.code == "expired",
                "form": ResendVerificationForm(initial=initial),
            },
            status=400,
        )
    messages.success(request, _("Thank you: your email address is confirmed."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("home")
    # Not signed in (or signed in as someone else): the link proves the mailbox, not the person
    # at the keyboard, so it does not sign anyone in.
    return redirect("login")


@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if request.user.email_verified_at is not None:
            messages.info(request, _("Your email address is already confirmed."))
        elif services.user_request_verification_email(user=request.user):
            messages.success(
                request, _("We sent a new link to %(email)s.") % {"email": request.user.email}
            )
        else:
            messages.warning(
                request,
                _(
                    "We sent a link less than a minute ago. Check your inbox "
                    "(and the spam folder), or try again in a minute."
                ),
            )
        return redirect("home")

    form = ResendVerificationForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "registration/verify_email_failed.html",
            {"error": None, "form": form},
            status=400,
        )
    user = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    if user is not None:
        services.user_request_verification_email(user=user)
    # The same answer whether or not the address is known: the form must not reveal accounts.
    messages.info(
        request,
        _(
            "If an unconfirmed account uses that address, we sent it a new link. "
            "It is valid for %(days)s days."
        )
        % {"days": settings.KOMPETEN_EMAIL_VERIFICATION_DAYS},
    )
    return redirect("login")


@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice on the user, so that email
    sent to them later (by a worker, without a request) is in the same language."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response
