"""The LSP admin's verification services: document checks, payment, Diterima / Tidak diterima,
and the return-for-revision loop."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import ApplicationDocument, Assessment, DocumentKind, Notification
from tests import factories

S = Assessment.State

pytestmark = pytest.mark.django_db


def _check_all(assessment, admin, *, present=True, meets=True) -> None:
    checks = {
        d.pk: (present, meets)
        for d in assessment.documents.filter(replaced_at__isnull=True).exclude(
            kind=DocumentKind.PAYMENT
        )
    }
    services.application_check_documents(assessment_id=assessment.pk, actor=admin, checks=checks)


def _error_code(excinfo) -> str:
    return excinfo.value.error_list[0].code


def _current(assessment, kind) -> ApplicationDocument:
    return assessment.documents.get(kind=kind, replaced_at__isnull=True)


# Document checks ------------------------------------------------------------------------------


def test_document_checks_record_the_result_and_who_checked(admin_user):
    assessment = factories.make_submitted_application()
    ktp, photo = _current(assessment, "ktp"), _current(assessment, "photo")

    services.application_check_documents(
        assessment_id=assessment.pk,
        actor=admin_user,
        checks={ktp.pk: (True, True), photo.pk: (True, False)},
    )

    ktp.refresh_from_db()
    photo.refresh_from_db()
    assert (ktp.present, ktp.meets, ktp.checked_by) == (True, True, admin_user)
    assert ktp.checked_at is not None
    assert (photo.present, photo.meets) == (True, False)


def test_a_missing_document_never_meets_the_requirement(admin_user):
    assessment = factories.make_submitted_application()
    ktp = _current(assessment, "ktp")

    services.application_check_documents(
        assessment_id=assessment.pk, actor=admin_user, checks={ktp.pk: (False, True)}
    )

    ktp.refresh_from_db()
    assert (ktp.present, ktp.meets) == (False, False)


def test_document_checks_refuse_another_applications_document(admin_user):
    assessment = factories.make_submitted_application()
    other = factories.make_submitted_application(scheme_version=assessment.scheme_version)

    with pytest.raises(ValidationError) as excinfo:
        services.application_check_documents(
            assessment_id=assessment.pk,
            actor=admin_user,
            checks={_current(other, "ktp").pk: (True, True)},
        )
    assert _error_code(excinfo) == "document"
    assert not ApplicationDocument.objects.filter(checked_at__isnull=False).exists()


def test_document_checks_refuse_an_application_that_is_not_submitted(admin_user):
    assessment = factories.make_submitted_application()
    ktp = _current(assessment, "ktp")
    services.application_return(
        assessment_id=assessment.pk, actor=admin_user, note="Foto buram", sections=["documents"]
    )

    with pytest.raises(ValidationError) as excinfo:
        services.application_check_documents(
            assessment_id=assessment.pk, actor=admin_user, checks={ktp.pk: (True, True)}
        )
    assert _error_code(excinfo) == "wrong_state"


@pytest.mark.parametrize("persona", ["candidate", "assessor", "decision_maker"])
def test_only_an_lsp_admin_checks_documents(persona, request):
    actor = request.getfixturevalue(persona)
    assessment = factories.make_submitted_application()
    with pytest.raises(PermissionDenied):
        services.application_check_documents(
            assessment_id=assessment.pk,
            actor=actor,
            checks={_current(assessment, "ktp").pk: (True, True)},
        )


# Payment --------------------------------------------------------------------------------------


def test_confirming_the_payment_is_recorded_with_who_and_an_audit_row(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)

    services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)

    assessment.refresh_from_db()
    assert assessment.payment_confirmed_by == admin_user
    assert assessment.payment_confirmed_at is not None
    row = assessment.history.latest()
    assert (row.history_change_reason, row.history_user) == ("payment confirmed", admin_user)


def test_the_payment_cannot_be_confirmed_twice(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)
    services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)

    with pytest.raises(ValidationError) as excinfo:
        services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "already_confirmed"


def test_a_scheme_without_fee_has_no_payment_to_confirm(admin_user):
    assessment = factories.make_submitted_application(fee=0)
    with pytest.raises(ValidationError) as excinfo:
        services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "no_fee"


def test_the_payment_needs_a_current_proof(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)
    assessment.documents.filter(kind=DocumentKind.PAYMENT).update(replaced_at=timezone.now())

    with pytest.raises(ValidationError) as excinfo:
        services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "no_payment"


def test_the_payment_is_confirmed_only_on_a_submitted_application(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)
    services.application_reject(assessment_id=assessment.pk, actor=admin_user, note="Bukan TIK")

    with pytest.raises(ValidationError) as excinfo:
        services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "wrong_state"
    assessment.refresh_from_db()
    assert assessment.payment_confirmed_at is None


def test_only_an_lsp_admin_confirms_the_payment(candidate):
    assessment = factories.make_submitted_application(fee=500_000)
    with pytest.raises(PermissionDenied):
        services.application_confirm_payment(
            assessment_id=assessment.pk, actor=assessment.candidate
        )


# Diterima --------------------------------------------------------------------------------------


def test_accept_moves_a_checked_and_paid_application_on_and_tells_the_candidate(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)
    _check_all(assessment, admin_user)
    services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)

    services.application_accept(
        assessment_id=assessment.pk, actor=admin_user, note="Lengkap, silakan tunggu jadwal."
    )

    assessment.refresh_from_db()
    assert assessment.state == S.ACCEPTED
    assert assessment.state_note == "Lengkap, silakan tunggu jadwal."
    row = assessment.history.latest()
    assert row.history_user == admin_user
    assert Notification.objects.filter(
        recipient=assessment.candidate, body="Lengkap, silakan tunggu jadwal."
    ).exists()


def test_accept_is_refused_while_a_document_is_unchecked(admin_user):
    assessment = factories.make_submitted_application()
    ktp = _current(assessment, "ktp")
    services.application_check_documents(
        assessment_id=assessment.pk, actor=admin_user, checks={ktp.pk: (True, True)}
    )

    with pytest.raises(ValidationError) as excinfo:
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "documents_unchecked"
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


@pytest.mark.parametrize(("present", "meets"), [(True, False), (False, False)])
def test_accept_is_refused_while_a_required_document_is_missing_or_not_meeting(
    present, meets, admin_user
):
    assessment = factories.make_submitted_application()
    _check_all(assessment, admin_user)
    services.application_check_documents(
        assessment_id=assessment.pk,
        actor=admin_user,
        checks={_current(assessment, "ijazah").pk: (present, meets)},
    )

    with pytest.raises(ValidationError) as excinfo:
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "documents_unchecked"


def test_an_extra_document_must_be_checked_but_need_not_meet_a_requirement(admin_user):
    assessment = factories.make_submitted_application()
    # A training certificate the scheme does not ask for, sent along with the draft.
    extra = factories.ApplicationDocumentFactory(assessment=assessment, kind=DocumentKind.TRAINING)
    checks = {
        d.pk: (True, True)
        for d in assessment.documents.filter(replaced_at__isnull=True).exclude(pk=extra.pk)
    }
    services.application_check_documents(
        assessment_id=assessment.pk, actor=admin_user, checks=checks
    )
    with pytest.raises(ValidationError):
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)

    services.application_check_documents(
        assessment_id=assessment.pk, actor=admin_user, checks={extra.pk: (True, False)}
    )
    services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assessment.refresh_from_db()
    assert assessment.state == S.ACCEPTED


def test_accept_is_refused_while_the_payment_is_unconfirmed(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)
    _check_all(assessment, admin_user)

    with pytest.raises(ValidationError) as excinfo:
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "payment_unconfirmed"
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_accept_names_the_wrong_state_before_anything_else(admin_user):
    assessment = factories.make_submitted_application(fee=500_000)
    services.application_reject(assessment_id=assessment.pk, actor=admin_user, note="Bukan TIK")

    with pytest.raises(ValidationError) as excinfo:
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "wrong_state"


def test_only_an_lsp_admin_accepts(assessor, decision_maker):
    assessment = factories.make_submitted_application()
    for actor in (assessor, decision_maker, assessment.candidate):
        with pytest.raises(PermissionDenied):
            services.application_accept(assessment_id=assessment.pk, actor=actor)


# Tidak diterima --------------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_reject_needs_a_note(note, admin_user):
    assessment = factories.make_submitted_application()
    with pytest.raises(ValidationError) as excinfo:
        services.application_reject(assessment_id=assessment.pk, actor=admin_user, note=note)
    assert _error_code(excinfo) == "note_required"
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_reject_closes_the_application_with_the_reason_and_tells_the_candidate(admin_user):
    assessment = factories.make_submitted_application()

    services.application_reject(
        assessment_id=assessment.pk, actor=admin_user, note="Pendidikan belum memenuhi."
    )

    assessment.refresh_from_db()
    assert assessment.state == S.REJECTED
    assert assessment.state_note == "Pendidikan belum memenuhi."
    assert Notification.objects.filter(
        recipient=assessment.candidate, body="Pendidikan belum memenuhi."
    ).exists()


def test_only_an_lsp_admin_rejects(assessor):
    assessment = factories.make_submitted_application()
    with pytest.raises(PermissionDenied):
        services.application_reject(assessment_id=assessment.pk, actor=assessor, note="Tidak")


# Return for revision and the loop --------------------------------------------------------------


def test_return_stores_the_sections_in_form_order_and_tells_the_candidate(admin_user):
    assessment = factories.make_submitted_application()

    services.application_return(
        assessment_id=assessment.pk,
        actor=admin_user,
        note="KTP tidak terbaca; lengkapi APL.02.",
        sections=["apl02", "documents"],
    )

    assessment.refresh_from_db()
    assert assessment.state == S.RETURNED
    assert assessment.returned_sections == ["documents", "apl02"]
    assert assessment.state_note == "KTP tidak terbaca; lengkapi APL.02."
    assert Notification.objects.filter(recipient=assessment.candidate).exists()


@pytest.mark.parametrize(
    ("note", "sections", "code"),
    [
        ("Perbaiki", [], "sections_required"),
        ("Perbaiki", ["documents", "nik"], "sections_unknown"),
        ("  ", ["documents"], "note_required"),
    ],
)
def test_return_needs_a_note_and_known_sections(note, sections, code, admin_user):
    assessment = factories.make_submitted_application()
    with pytest.raises(ValidationError) as excinfo:
        services.application_return(
            assessment_id=assessment.pk, actor=admin_user, note=note, sections=sections
        )
    assert _error_code(excinfo) == code
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_an_accepted_application_cannot_be_returned_by_the_admin(admin_user):
    assessment = factories.make_submitted_application()
    _check_all(assessment, admin_user)
    services.application_accept(assessment_id=assessment.pk, actor=admin_user)

    with pytest.raises(ValidationError) as excinfo:
        services.application_return(
            assessment_id=assessment.pk, actor=admin_user, note="Ups", sections=["apl01"]
        )
    assert _error_code(excinfo) == "wrong_state"


def test_the_revision_loop_needs_the_new_documents_checked_and_the_new_proof_confirmed(
    admin_user,
):
    assessment = factories.make_submitted_application(fee=500_000)
    candidate = assessment.candidate
    _check_all(assessment, admin_user)
    services.application_check_documents(
        assessment_id=assessment.pk,
        actor=admin_user,
        checks={_current(assessment, "ktp").pk: (True, False)},
    )
    services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    services.application_return(
        assessment_id=assessment.pk,
        actor=admin_user,
        note="KTP buram; bukti bayar salah nominal.",
        sections=["documents", "payment"],
    )

    # The candidate fixes what was named and submits again.
    for kind in ("ktp", DocumentKind.PAYMENT):
        services.document_upload(
            assessment_id=assessment.pk,
            actor=candidate,
            kind=kind,
            uploaded=factories.pdf_upload(f"{kind}-baru.pdf"),
        )
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED
    assert assessment.returned_sections == []

    # The new KTP is unchecked and the earlier confirmation was for the old proof.
    with pytest.raises(ValidationError) as excinfo:
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "documents_unchecked"
    _check_all(assessment, admin_user)
    with pytest.raises(ValidationError) as excinfo:
        services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assert _error_code(excinfo) == "payment_unconfirmed"

    services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    services.application_accept(assessment_id=assessment.pk, actor=admin_user)
    assessment.refresh_from_db()
    assert assessment.state == S.ACCEPTED
    # The replaced documents stay in the record.
    assert assessment.documents.filter(replaced_at__isnull=False).count() == 2
