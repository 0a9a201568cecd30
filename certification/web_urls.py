from django.contrib.auth import views as auth_views
from django.urls import path

from certification.views import accounts, home, lsp
from certification.views.health import healthz

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("register/", accounts.register, name="register"),
    # Before verify/<token>/, which would otherwise take "resend" for a token.
    path("verify/resend/", accounts.resend_verification, name="verify_email_resend"),
    path("verify/<str:token>/", accounts.verify_email, name="verify_email"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("healthz", healthz, name="healthz"),
    path("lsp/", lsp.lsp_edit, name="lsp_edit"),
    path("lsp/logo/", lsp.lsp_logo, name="lsp_logo"),
]
