from django.contrib.auth import views as auth_views
from django.urls import path

from certification.views import accounts, home, lsp
from certification.views.appeals import appeal_new
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
    path("appeals/<int:assessment_pk>/new/", appeal_new, name="appeal_new"),
]

# --- certification (issue 6): pleno, certificates, public verification, appeals, complaints ---
from certification.views import appeals, certificates, complaints, decisions, verify  # noqa: E402

urlpatterns += [
    path("decisions/", decisions.decision_queue, name="decision_queue"),
    path("decisions/log/", decisions.decision_log, name="decision_log"),
    path("decisions/letters/", decisions.decision_letters, name="decision_letters"),
    path(
        "decisions/letters/<int:pk>/",
        decisions.decision_letter_detail,
        name="decision_letter_detail",
    ),
    path(
        "decisions/letters/<int:pk>/sign/",
        decisions.decision_letter_sign_view,
        name="decision_letter_sign",
    ),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision_detail"),
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/mine/", certificates.my_certificates, name="my_certificates"),
    path(
        "certificates/issue/<int:decision_pk>/",
        certificates.certificate_issue_view,
        name="certificate_issue",
    ),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/bnsp/", certificates.certificate_bnsp, name="certificate_bnsp"),
    path("certificates/<int:pk>/state/", certificates.certificate_state, name="certificate_state"),
    # verify/<str:token>/ above is the email verification link: certificates live under
    # verify/c/, which that pattern (one path segment) never matches.
    path("verify/", verify.certificate_search, name="certificate_search"),
    path("verify/c/<str:token>/", verify.certificate_verify, name="certificate_verify"),
    path("verify/c/<str:token>/qr.png", verify.certificate_qr, name="certificate_qr"),
    path("appeals/", appeals.appeal_list, name="appeal_list"),
    path("appeals/case/<int:pk>/", appeals.appeal_detail, name="appeal_detail"),
    path("appeals/case/<int:pk>/assign/", appeals.appeal_assign_view, name="appeal_assign"),
    path("appeals/case/<int:pk>/rule/", appeals.appeal_rule_view, name="appeal_rule"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/thanks/", complaints.complaint_thanks, name="complaint_thanks"),
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/assign/", complaints.complaint_assign_view, name="complaint_assign"),
    path("complaints/<int:pk>/answer/", complaints.complaint_answer_view, name="complaint_answer"),
    path(
        "complaints/<int:pk>/suspend/",
        complaints.complaint_suspend_view,
        name="complaint_suspend",
    ),
]

# --- admin console (issue 6): dashboard, batch registration, export, question bank, schemes ---
from certification.views import console  # noqa: E402

urlpatterns += console.urlpatterns

# --- two-factor authentication (issue 8): the code step, setup, backup codes, turning it off ---
from certification.views import twofactor  # noqa: E402

urlpatterns += [
    path("login/code/", twofactor.two_factor_login, name="two_factor_login"),
    path("account/two-factor/", twofactor.two_factor, name="two_factor"),
    path("account/two-factor/setup/", twofactor.two_factor_setup, name="two_factor_setup"),
    path(
        "account/two-factor/backup-codes/",
        twofactor.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("account/two-factor/disable/", twofactor.two_factor_disable, name="two_factor_disable"),
]
