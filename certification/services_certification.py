"""Certification decisions (the pleno), decision letters (SK) and certificates.

Every write: lock, check (the rules in certification.rules, the state), change, save with
update_fields and a history change reason, notify after commit (assessments.services.notify queues
the email copy with transaction.on_commit). A refusal is a PermissionDenied (who) or a
ValidationError with a code (what), whose message the page shows as it is.
"""

import datetime
import secrets
import string

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from assessments.models import Assessment, Form, UnitDecision
from assessments.pdf.services import render_request_create
from assessments.services import assessment_decide, notify
from certification import rules
from certification.models import (
    LSP,
    Certificate,
    CertificateStatusChange,
    CertificationDecision,
    Complaint,
    DecisionLetter,
    NumberSequence,
    User,
)
from schemes.models import SchemeUnit

S = Assessment.State
K, BK = UnitDecision.Outcome.K, UnitDecision.Outcome.BK
ROMAN_MONTHS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
NUMBER_FIELDS = {"seq", "year", "month", "month_roman", "lsp", "scheme"}


# --- recommendation ----------------------------------------------------------------------------


def unit_outcomes(assessment: Assessment) -> list[tuple[int, str | None]]:
    """(unit id, "K" / "BK" / None when undecided) for every unit of the scheme, in order."""
    unit_ids = list(
        SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
        .order_by("group__position", "position")
        .values_list("unit_id", flat=True)
    )
    outcomes = dict(
        UnitDecision.objects.filter(assessment=assessment).values_list("unit_id", "outcome")
    )
    return [(unit_id, outcomes.get(unit_id)) for unit_id in unit_ids]


def recommendation_for(assessment: Assessment) -> str:
    """The assessor's recommendation (FR.AK.02): K when every unit of the scheme is K."""
    outcomes = unit_outcomes(assessment)
    return K if outcomes and all(outcome == K for _unit, outcome in outcomes) else BK


def assessment_date_of(assessment: Assessment) -> datetime.date:
    """The day the candidate was assessed: the event's first day in its TUK's time zone."""
    if assessment.event_id:
        event = assessment.event
        return timezone.localdate(event.starts_at, event.tuk.tzinfo)
    return timezone.localdate(assessment.reported_at or assessment.state_changed_at)


# --- the decision ------------------------------------------------------------------------------


@transaction.atomic
def decision_make(
    *, assessment_id: int, actor: User, certified: bool, basis: str
) -> CertificationDecision:
    """The pleno decides on a reported assessment: certified or not certified, with the basis.

    Refused (PermissionDenied) for anyone who is not a decision maker or was involved with the
    candidate (an assessor of theirs, a declared relationship, an admin who overrode a conflicted
    assignment: certification.rules.decision_refusal). Refused (ValidationError) unless the
    assessment is reported, without a basis, and "certified" unless every unit is K. Records the
    decision (with history), moves the assessment to "decided" and notifies the candidate.
    """
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the event.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("scheme_version__scheme", "event__tuk", "candidate")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise ValidationError(_("This assessment does not exist."), code="missing")
    refusal = rules.decision_refusal(actor, assessment)
    if refusal:
        raise PermissionDenied(refusal)
    if assessment.state != S.REPORTED:
        raise ValidationError(
            _("Only a reported assessment can be decided (this one is %(state)s)."),
            params={"state": assessment.get_state_display()},
            code="wrong_state",
        )
    if CertificationDecision.objects.filter(assessment=assessment).exists():
        raise ValidationError(_("This assessment has already been decided."), code="decided")
    basis = basis.strip()
    if not basis:
        raise ValidationError(_("Write the basis of the decision."), code="basis")
    recommendation = recommendation_for(assessment)
    if certified and recommendation != K:
        raise ValidationError(
            _("A candidate can be certified only when the assessor found every unit K."),
            code="not_all_k",
        )
    outcome = (
        CertificationDecision.Outcome.CERTIFIED
        if certified
        else CertificationDecision.Outcome.NOT_CERTIFIED
    )
    decision = CertificationDecision(
        assessment=assessment,
        scheme_version=assessment.scheme_version,
        assessment_date=assessment_date_of(assessment),
        recommendation=recommendation,
        outcome=outcome,
        basis=basis,
        decided_by=actor,
    )
    decision._change_reason = f"certification decision: {outcome}"
    decision._history_user = actor
    decision.save()
    assessment_decide(assessment_id=assessment.pk, actor=actor, note=basis)
    title = (
        gettext_lazy("You are certified competent")
        if certified
        else gettext_lazy("The certification decision on your assessment has been made")
    )
    notify(
        recipient=assessment.candidate,
        title=title,
        body=f"{assessment.scheme_version.scheme.number} {assessment.scheme_version.title}",
        url=reverse("assessments:application", args=[assessment.pk]),
    )
    return decision


# --- numbers -----------------------------------------------------------------------------------


def take_number(kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``; call inside the transaction that uses it.

    The sequence row is locked until that transaction ends, so concurrent issuers wait for each
    other and get consecutive, distinct numbers. If the transaction rolls back, so does the
    counter: the number was never used, and the next issuer gets it."""
    try:
        # The first number of a year creates the row; two first issuers race on the unique
        # constraint, and the loser simply locks the winner's row below.
        with transaction.atomic():
            NumberSequence.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:
        pass
    sequence = NumberSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def format_number(pattern: str, *, setting: str, **values) -> str:
    """Fill a number pattern such as "{seq:05d}/{scheme}/{lsp}/{year}" (str.format syntax).

    Placeholders: seq, year, month, month_roman, lsp (the LSP's short code), scheme (the
    scheme number). A pattern without {seq}, or with an unknown placeholder, is a configuration
    error: numbers would repeat or could not be made."""
    fields = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name}
    if "seq" not in fields or fields - NUMBER_FIELDS:
        raise ImproperlyConfigured(
            f"{setting} must contain {{seq}} and only these placeholders: "
            f"{', '.join(sorted(NUMBER_FIELDS))} (got {pattern!r})."
        )
    try:
        return pattern.format(**values)
    except (ValueError, KeyError, IndexError) as exc:
        raise ImproperlyConfigured(f"{setting} cannot be filled: {exc}") from exc


def _number_values(day: datetime.date, seq: int, scheme: str = "") -> dict:
    return {
        "seq": seq,
        "year": day.year,
        "month": day.month,
        "month_roman": ROMAN_MONTHS[day.month - 1],
        "lsp": LSP.load().short_code,
        "scheme": scheme,
    }


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover (28 always exists)


# --- decision letters (SK) ---------------------------------------------------------------------


@transaction.atomic
def decision_letter_create(
    *,
    actor: User,
    decision_ids: list[int],
    signatory_id: int,
    date: datetime.date | None = None,
    note: str = "",
) -> DecisionLetter:
    """Prepare the SK for a batch of decisions not yet in a letter, to be signed by an LSP head.

    Refused for anyone but a decision maker or LSP admin, without decisions, for a decision
    already in another letter, and for a signatory who is not an active LSP head. The number
    comes from KOMPETEN_DECISION_LETTER_NUMBER_PATTERN with a per-year sequence."""
    if not rules.can(actor, "certification.prepare_decision_letter"):
        raise PermissionDenied(_("Only a decision maker or an LSP admin can prepare a letter."))
    wanted = sorted(set(decision_ids))
    if not wanted:
        raise ValidationError(_("Choose the decisions the letter covers."), code="empty")
    decisions = list(
        CertificationDecision.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    )
    if len(decisions) != len(wanted):
        raise ValidationError(_("One of the chosen decisions does not exist."), code="missing")
    if any(d.letter_id for d in decisions):
        raise ValidationError(
            _("One of the chosen decisions is already in a decision letter."), code="lettered"
        )
    signatory = User.objects.filter(pk=signatory_id, is_active=True, is_lsp_head=True).first()
    if signatory is None:
        raise ValidationError(_("The letter is signed by an LSP head."), code="signatory")
    day = date or timezone.localdate()
    seq = take_number(NumberSequence.Kind.DECISION_LETTER, day.year)
    pattern = settings.KOMPETEN_DECISION_LETTER_NUMBER_PATTERN
    letter = DecisionLetter(
        number=format_number(
            pattern,
            setting="KOMPETEN_DECISION_LETTER_NUMBER_PATTERN",
            **_number_values(day, seq),
        ),
        year=day.year,
        sequence=seq,
        date=day,
        signatory=signatory,
        note=note.strip(),
        created_by=actor,
    )
    letter._change_reason = "decision letter prepared"
    letter._history_user = actor
    letter.save()
    for decision in decisions:
        decision.letter = letter
        decision._change_reason = f"in decision letter {letter.number}"[:100]
        decision._history_user = actor
        decision.save(update_fields=["letter"])
    notify(
        recipient=signatory,
        title=gettext_lazy("A decision letter (SK) waits for your signature"),
        body=letter.number,
        url=reverse("decision_letter_detail", args=[letter.pk]),
    )
    return letter


@transaction.atomic
def decision_letter_sign(*, letter_id: int, actor: User) -> DecisionLetter:
    """The LSP head named on the letter signs it (once).

    A certificate prints the LSP head's signature from its decision's letter, so a certificate
    issued before the signature was printed without one: its PDF is generated again, signed
    (a new archived version; the unsigned one stays in the archive)."""
    letter = DecisionLetter.objects.select_for_update().get(pk=letter_id)
    if letter.signatory_id != actor.pk or not actor.is_lsp_head:
        raise PermissionDenied(_("Only the LSP head named on the letter can sign it."))
    if letter.signed_at:
        raise ValidationError(_("The letter is already signed."), code="signed")
    letter.signed_at = timezone.now()
    letter._change_reason = "decision letter signed"
    letter._history_user = actor
    letter.save(update_fields=["signed_at"])
    for certificate in Certificate.objects.filter(decision__letter=letter).order_by("pk"):
        render_request_create(document=Form.CERTIFICATE, subject=certificate, actor=actor)
    return letter


# --- certificates ------------------------------------------------------------------------------


def _certificate_url(certificate: Certificate) -> str:
    return reverse("certificate_detail", args=[certificate.pk])


@transaction.atomic
def certificate_issue(*, decision_id: int, actor: User) -> Certificate:
    """Issue the certificate of a "certified" decision (LSP admin).

    Refused for a decision that is not "certified" or already has its certificate. The number
    comes from KOMPETEN_CERTIFICATE_NUMBER_PATTERN with a per-year sequence taken under a row
    lock (never two alike, never reused); valid until the issue date plus the scheme version's
    validity; the scope is the scheme version and its units; the verification token is random.
    Records the "issued" status change, queues the certificate PDF (rendered after commit)
    and notifies the holder."""
    if not rules.can(actor, "certification.issue_certificate"):
        raise PermissionDenied(_("Only an LSP admin can issue certificates."))
    decision = (
        CertificationDecision.objects.select_for_update(of=("self",))
        .select_related("assessment__candidate", "scheme_version__scheme")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        raise ValidationError(_("This decision does not exist."), code="missing")
    if not decision.is_certified:
        raise ValidationError(
            _("A certificate is issued only from a decision to certify."), code="not_certified"
        )
    if Certificate.objects.filter(decision=decision).exists():
        raise ValidationError(
            _("The certificate of this decision was already issued."), code="issued"
        )
    version = decision.scheme_version
    holder = decision.assessment.candidate
    today = timezone.localdate()
    seq = take_number(NumberSequence.Kind.CERTIFICATE, today.year)
    number = format_number(
        settings.KOMPETEN_CERTIFICATE_NUMBER_PATTERN,
        setting="KOMPETEN_CERTIFICATE_NUMBER_PATTERN",
        **_number_values(today, seq, scheme=version.scheme.number),
    )
    certificate = Certificate(
        decision=decision,
        holder=holder,
        holder_name=holder.full_name or holder.email,
        scheme_version=version,
        number=number,
        year=today.year,
        sequence=seq,
        issued_on=today,
        valid_until=add_years(today, version.validity_years),
        issued_by=actor,
        token=secrets.token_urlsafe(24),
    )
    certificate._change_reason = "certificate issued"
    certificate._history_user = actor
    certificate.save()
    certificate.units.set(version.units())
    CertificateStatusChange.objects.create(
        certificate=certificate,
        to_state=Certificate.State.ACTIVE,
        reason=_("Issued from the certification decision of %(date)s.")
        % {"date": date_format(timezone.localdate(decision.decided_at), "DATE_FORMAT")},
        decided_by=actor,
    )
    # The holder finds the PDF ready: the render request is saved with the certificate and
    # render_request_create queues the render for the worker once this transaction commits.
    render_request_create(document=Form.CERTIFICATE, subject=certificate, actor=actor)
    notify(
        recipient=holder,
        title=gettext_lazy("Your competency certificate was issued"),
        body=f"{number} · {version.scheme.number} {version.title}",
        url=_certificate_url(certificate),
    )
    return certificate


@transaction.atomic
def certificate_record_bnsp(
    *, certificate_id: int, actor: User, registration_number: str, blank_number: str
) -> Certificate:
    """Record (or correct) the registration and blank numbers BNSP gives the certificate."""
    if not rules.can(actor, "certification.record_bnsp_numbers"):
        raise PermissionDenied(_("Only an LSP admin can record BNSP's numbers."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    registration_number, blank_number = registration_number.strip(), blank_number.strip()
    if not registration_number and not blank_number:
        raise ValidationError(_("Enter the registration number or the blank number."), "empty")
    others = Certificate.objects.exclude(pk=certificate.pk)
    if registration_number and others.filter(bnsp_registration_number=registration_number).exists():
        raise ValidationError(
            _("Another certificate already has this BNSP registration number."),
            code="registration_taken",
        )
    if blank_number and others.filter(blank_number=blank_number).exists():
        raise ValidationError(
            _("Another certificate already has this blank number."), code="blank_taken"
        )
    certificate.bnsp_registration_number = registration_number
    certificate.blank_number = blank_number
    certificate._change_reason = "BNSP numbers recorded"
    certificate._history_user = actor
    certificate.save(update_fields=["bnsp_registration_number", "blank_number"])
    return certificate


STATE_TITLES = {
    Certificate.State.SUSPENDED: gettext_lazy("Your certificate was suspended"),
    Certificate.State.RESTORED: gettext_lazy("Your certificate was restored"),
    Certificate.State.WITHDRAWN: gettext_lazy("Your certificate was withdrawn"),
    Certificate.State.EXPIRED: gettext_lazy("Your certificate has expired"),
}


def _change_state(
    *,
    certificate_id: int,
    actor: User | None,
    method: str,
    reason: str,
    complaint_id: int | None = None,
) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for this decision."), code="reason")
    complaint = None
    if complaint_id is not None:
        complaint = Complaint.objects.filter(pk=complaint_id).first()
        if complaint is None:
            raise ValidationError(_("That complaint does not exist."), code="complaint")
    before = certificate.state
    try:
        getattr(certificate, method)()
    except TransitionNotAllowed as exc:
        raise ValidationError(
            _("This is not possible while the certificate is %(state)s."),
            params={"state": certificate.get_state_display()},
            code="wrong_state",
        ) from exc
    certificate._change_reason = f"certificate {certificate.state}"
    certificate._history_user = actor
    certificate.save(update_fields=["state", "state_changed_at"])
    CertificateStatusChange.objects.create(
        certificate=certificate,
        from_state=before,
        to_state=certificate.state,
        reason=reason,
        decided_by=actor,
        complaint=complaint,
    )
    notify(
        recipient=certificate.holder,
        title=STATE_TITLES[certificate.state],
        body=f"{certificate.number}\n{reason}",
        url=_certificate_url(certificate),
    )
    return certificate


def _state_decision(method: str, doc: str):
    @transaction.atomic
    def service(
        *, certificate_id: int, actor: User, reason: str, complaint_id: int | None = None
    ) -> Certificate:
        if not rules.can(actor, "certification.change_certificate_state"):
            raise PermissionDenied(
                _("Only a decision maker or the LSP head can change a certificate's state.")
            )
        return _change_state(
            certificate_id=certificate_id,
            actor=actor,
            method=method,
            reason=reason,
            complaint_id=complaint_id,
        )

    service.__name__ = service.__qualname__ = f"certificate_{method}"
    service.__doc__ = doc
    return service


certificate_suspend = _state_decision(
    "suspend",
    "Suspend an active or restored certificate, with the reason (and the complaint it arises "
    "from, if any). Decision makers and the LSP head only; recorded and the holder notified.",
)
certificate_restore = _state_decision(
    "restore",
    "Restore a suspended certificate, with the reason. Decision makers and the LSP head only.",
)
certificate_withdraw = _state_decision(
    "withdraw",
    "Withdraw (revoke) a certificate for good, with the reason. Its number is never reused.",
)


@transaction.atomic
def certificate_expire(*, certificate_id: int, today: datetime.date | None = None) -> bool:
    """Expire one certificate whose validity has ended (the daily beat task). Returns whether it
    changed: a certificate still valid, or already expired or withdrawn, is left alone, so that
    running the task twice is harmless."""
    today = today or timezone.localdate()
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if certificate.valid_until >= today or certificate.state not in Certificate.LIVE_STATES:
        return False
    with_reason = _("The validity ended on %(date)s.") % {
        "date": date_format(certificate.valid_until, "DATE_FORMAT")
    }
    _change_state(certificate_id=certificate.pk, actor=None, method="expire", reason=with_reason)
    return True


def certificates_expire_due(*, today: datetime.date | None = None) -> int:
    """Expire every certificate past its valid-until date; each in its own transaction."""
    today = today or timezone.localdate()
    due = Certificate.objects.filter(
        state__in=Certificate.LIVE_STATES, valid_until__lt=today
    ).values_list("pk", flat=True)
    return sum(certificate_expire(certificate_id=pk, today=today) for pk in list(due))


@transaction.atomic
def recertification_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind holders of valid certificates that end within
    KOMPETEN_RECERTIFICATION_REMINDER_MONTHS to apply for recertification (Sertifikasi Ulang).
    Each certificate is reminded once (recertification_reminded_at), so reruns send nothing."""
    today = today or timezone.localdate()
    horizon = add_months(today, settings.KOMPETEN_RECERTIFICATION_REMINDER_MONTHS)
    due = list(
        Certificate.objects.select_for_update(skip_locked=True, of=("self",))
        .valid()
        .filter(
            valid_until__gte=today,
            valid_until__lte=horizon,
            recertification_reminded_at__isnull=True,
        )
        .select_related("holder", "scheme_version__scheme")
        .order_by("valid_until", "pk")
    )
    now = timezone.now()
    for certificate in due:
        version = certificate.scheme_version
        notify(
            recipient=certificate.holder,
            title=gettext_lazy("Your certificate expires soon: apply for recertification"),
            body=(
                f"{certificate.number} · {version.scheme.number} {version.title} · "
                f"{date_format(certificate.valid_until, 'DATE_FORMAT')}"
            ),
            url=_certificate_url(certificate),
        )
        certificate.recertification_reminded_at = now
        certificate._change_reason = "recertification reminder sent"
        certificate.save(update_fields=["recertification_reminded_at"])
    return len(due)
