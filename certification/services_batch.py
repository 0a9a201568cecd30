"""Institution batch registration: an LSP admin uploads a spreadsheet of candidates (CSV or XLSX)
for one open event; the rows are checked and previewed with per-row errors, then applied in one
transaction (accounts, profiles, draft applications in the event) or not at all. New accounts get
an email invitation with a set-password link (Django's password reset token)."""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.fields import nik_lookup_hash
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BankQuestion,
    CandidateProfile,
    Notification,
    phone_validator,
)
from assessments.outbox import enqueue
from assessments.services.application import profile_birth_date_problem
from certification.models import LSP, User

COLUMNS = (
    "full_name",
    "email",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "phone",
    "education",
    "institution",
    "position",
)
# Institution and position may be empty (a vocational student has neither).
REQUIRED = frozenset(COLUMNS) - {"institution", "position"}
# One request registers the file (atomic) with bulk inserts: 1,000 rows took 4.7 s and 14 queries
# on PostgreSQL, 2.3 s on SQLite, on a heavily loaded machine (one save per row took 233 s and
# 9,000 queries there). The cap keeps the preview page and the session a class or a cohort.
MAX_ROWS = 1000
EXAMPLE_ROW = (
    "Budi Santoso",
    "budi.santoso@example.com",
    "3171011705980001",
    "Jakarta",
    "1998-05-17",
    "L",
    "Jl. Merdeka No. 1, Jakarta Pusat",
    "081234567890",
    "SMA",
    "SMK Negeri 1 Jakarta",
    "Siswa",
)
# Spellings institutions use for the education level; the key is upper-cased, no spaces.
EDUCATION_ALIASES = {
    "SD": "sd",
    "SMP": "smp",
    "MTS": "smp",
    "SMA": "sma",
    "SMK": "sma",
    "MA": "sma",
    "SMA/SMK": "sma",
    "SMA/SMK/MA": "sma",
    "D1": "d1",
    "D2": "d2",
    "D3": "d3",
    "D4": "d4",
    "S1": "s1",
    "S2": "s2",
    "S3": "s3",
}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


class BatchFileError(ValidationError):
    """The file as a whole cannot be read (format, encoding, header)."""


@dataclass
class BatchRow:
    """One spreadsheet row: the raw text, the cleaned values and what is wrong with it."""

    line: int
    raw: dict[str, str]
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    existing_user_id: int | None = None
    has_profile: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class BatchPreview:
    event: AssessmentEvent
    rows: list[BatchRow]
    places_left: int

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    @property
    def new_accounts(self) -> int:
        return sum(1 for row in self.rows if row.existing_user_id is None)


# --- reading the file ----------------------------------------------------------------------------


def _cell(value) -> str:
    """A spreadsheet cell as text: numbers keep their digits (a NIK typed as a number), dates
    become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_table(table: list[list]) -> list[dict[str, str]]:
    if not table:
        raise BatchFileError(_("The file is empty."), code="empty")
    header = [_cell(h).lower().replace(" ", "_") for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BatchFileError(
            _("The first row must name the columns; missing: %(cols)s.")
            % {"cols": ", ".join(missing)},
            code="header",
        )
    index = {name: header.index(name) for name in COLUMNS}
    rows = []
    for values in table[1:]:
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue  # trailing empty lines of a spreadsheet
        rows.append({name: cells[i] if i < len(cells) else "" for name, i in index.items()})
    if not rows:
        raise BatchFileError(_("The file has no candidate rows."), code="no_rows")
    if len(rows) > MAX_ROWS:
        raise BatchFileError(
            _("At most %(max)s rows per file.") % {"max": MAX_ROWS}, code="too_many"
        )
    return rows


def read_batch_file(name: str, content: bytes) -> list[dict[str, str]]:
    """The candidate rows of an uploaded CSV (UTF-8, with or without BOM; comma or semicolon)
    or XLSX file, as dicts of text keyed by ``COLUMNS``. Raises BatchFileError."""
    lowered = name.lower()
    if lowered.endswith(".xlsx") or content[:2] == b"PK":
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise BatchFileError(
                _("The file is not a readable XLSX workbook."), code="bad_xlsx"
            ) from exc
        sheet = book.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
        return _rows_from_table(table)
    if not lowered.endswith(".csv"):
        raise BatchFileError(_("Upload a .csv or .xlsx file."), code="bad_type")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchFileError(
            _(
                'The CSV file is not UTF-8. In Excel choose "CSV UTF-8 (Comma delimited)" '
                "when saving, or upload the XLSX file instead."
            ),
            code="encoding",
        ) from exc
    first_line = text.split("\n", 1)[0]
    # Excel in an Indonesian locale writes semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return _rows_from_table(list(csv.reader(io.StringIO(text), delimiter=delimiter)))


def template_csv() -> bytes:
    """The downloadable template: the header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "candidates"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE_ROW)
    # Text cells, so that Excel keeps the NIK's digits and the phone's leading zero.
    for column in ("C", "E", "H"):
        for cell in sheet[column]:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- checking rows -------------------------------------------------------------------------------


def _parse_date(text: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _clean_row(row: BatchRow) -> None:
    raw = row.raw
    for name in COLUMNS:
        if name in REQUIRED and not raw.get(name):
            row.errors.append(_("Missing %(field)s.") % {"field": name})
    data: dict = {name: raw.get(name, "") for name in COLUMNS}
    data["email"] = data["email"].lower()
    if data["email"]:
        try:
            validate_email(data["email"])
        except ValidationError:
            row.errors.append(_("Invalid email address."))
    nik = re.sub(r"\s", "", data["nik"])
    data["nik"] = nik
    if nik and not re.fullmatch(r"\d{16}", nik):
        row.errors.append(_("NIK must be exactly 16 digits."))
    if raw.get("birth_date"):
        birth_date = _parse_date(raw["birth_date"])
        if birth_date is None:
            row.errors.append(_("Invalid date of birth: use YYYY-MM-DD or DD-MM-YYYY."))
        else:
            problem = profile_birth_date_problem(birth_date)
            if problem:
                row.errors.append(problem)
        data["birth_date"] = birth_date
    if data["sex"]:
        data["sex"] = data["sex"].upper()
        if data["sex"] not in CandidateProfile.Sex.values:
            row.errors.append(_("Sex must be L or P."))
    if data["education"]:
        key = data["education"].upper().replace(" ", "")
        education = EDUCATION_ALIASES.get(key)
        if education is None:
            row.errors.append(
                _("Unknown education level %(value)s (use SD, SMP, SMA, SMK, D1-D4, S1-S3).")
                % {"value": data["education"]}
            )
        data["education"] = education
    if data["phone"]:
        phone = data["phone"]
        # A phone typed as a number loses its leading zero: 81234567890 is 081234567890.
        if phone.isdigit() and phone.startswith("8"):
            phone = "0" + phone
        data["phone"] = phone
        try:
            phone_validator(phone)
        except ValidationError:
            row.errors.append(_("Invalid phone number."))
    for name, limit in (
        ("full_name", 150),
        ("birth_place", 100),
        ("institution", 200),
        ("position", 150),
    ):
        if len(data[name]) > limit:
            row.errors.append(_("%(field)s is too long.") % {"field": name})
    row.data = data


def _check_against_file(rows: list[BatchRow]) -> None:
    seen_email: dict[str, int] = {}
    seen_nik: dict[str, int] = {}
    for row in rows:
        email, nik = row.data.get("email"), row.data.get("nik")
        if email:
            if email in seen_email:
                row.errors.append(
                    _("Email also on line %(line)s of the file.") % {"line": seen_email[email]}
                )
            else:
                seen_email[email] = row.line
        if nik:
            if nik in seen_nik:
                row.errors.append(
                    _("NIK also on line %(line)s of the file.") % {"line": seen_nik[nik]}
                )
            else:
                seen_nik[nik] = row.line


def _check_against_database(rows: list[BatchRow], event: AssessmentEvent) -> None:
    """Two queries for the whole file (users by email, profiles by NIK) and one for the open
    applications of the known users, whatever the number of rows."""
    emails = {r.data["email"] for r in rows if r.data.get("email")}
    niks = {r.data["nik"] for r in rows if r.data.get("nik")}
    # Emails are unique case-insensitively; an older account may be stored with capitals.
    users = {
        u.email.lower(): u
        for u in User.objects.annotate(email_ci=Lower("email"))
        .filter(email_ci__in=emails)
        .select_related("candidate_profile")
    }
    # The NIK is encrypted at rest: look it up by its keyed hash.
    profiles_by_nik = {
        p.nik: p
        for p in CandidateProfile.objects.filter(
            nik_hash__in=[nik_lookup_hash(nik) for nik in niks]
        ).select_related("user")
    }
    open_for_version = set(
        Assessment.objects.open()
        .annotate(email_ci=Lower("candidate__email"))
        .filter(email_ci__in=emails, scheme_version_id=event.scheme_version_id)
        .values_list("email_ci", flat=True)
    )
    for row in rows:
        email, nik = row.data.get("email"), row.data.get("nik")
        user = users.get(email)
        profile = getattr(user, "candidate_profile", None) if user else None
        nik_owner = profiles_by_nik.get(nik)
        if user is not None:
            row.existing_user_id = user.pk
            row.has_profile = profile is not None
            if profile is not None and nik and profile.nik != nik:
                row.errors.append(_("The email belongs to an existing candidate with another NIK."))
            if not user.is_active:
                row.errors.append(_("The account with this email is disabled."))
            if email in open_for_version:
                row.errors.append(_("This person already has an open application for this scheme."))
        if nik_owner is not None and nik_owner.user.email.lower() != email:
            row.errors.append(_("The NIK belongs to another person (a different email)."))


def _check_quota(rows: list[BatchRow], event: AssessmentEvent) -> int:
    """Mark every row past the event's free places; return the places left before the file."""
    taken = event.assessments.exclude(state__in=Assessment.TERMINAL_STATES).count()
    places_left = max(event.quota - taken, 0)
    for position, row in enumerate(rows, start=1):
        if position > places_left:
            row.errors.append(
                _("Event quota exceeded: only %(left)s of %(quota)s places are free.")
                % {"left": places_left, "quota": event.quota}
            )
    return places_left


def _check_new_profiles(rows: list[BatchRow]) -> None:
    """The model's own field validation (validators, choices, lengths) of every profile the
    file would create, in Python: the applying step inserts them in bulk, without a save() that
    could still fail on one row. Foreign keys and uniqueness were checked for the whole file
    above; ``full_clean`` would otherwise repeat them with queries for every row."""
    for row in rows:
        if row.errors or row.has_profile:
            continue
        profile = CandidateProfile(**_profile_fields(row.data))
        try:
            profile.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            row.errors.extend(exc.messages)


def event_problem(event: AssessmentEvent) -> str:
    """Why candidates cannot be placed in ``event`` ("" when they can)."""
    if event.status != AssessmentEvent.Status.OPEN or event.starts_at <= timezone.now():
        return _("This event is not open for registration.")
    if event.scheme_version.status != event.scheme_version.Status.PUBLISHED:
        return _("The event's scheme version is not published.")
    return ""


def batch_check(*, event: AssessmentEvent, rows: list[dict[str, str]]) -> BatchPreview:
    """Check every row (fields, duplicates in the file and in the database, event quota); the
    first data row is line 2 of the spreadsheet. Writes nothing."""
    checked = [BatchRow(line=i, raw=raw) for i, raw in enumerate(rows, start=2)]
    for row in checked:
        _clean_row(row)
    _check_against_file(checked)
    _check_against_database(checked, event)
    places_left = _check_quota(checked, event)
    _check_new_profiles(checked)
    return BatchPreview(event=event, rows=checked, places_left=places_left)


# --- applying ------------------------------------------------------------------------------------


@transaction.atomic
def batch_register(*, event_id: int, rows: list[dict[str, str]], actor) -> BatchPreview:
    """Register every row in ``event_id`` or nothing.

    Preconditions: ``actor`` is an LSP admin; the event is open and its scheme version published.
    The event row is locked and every row checked again (the database may have changed since
    the preview); any error raises ValidationError before anything is written, and so does a
    conflicting email or NIK saved meanwhile by someone else (code "conflict"). Creates or links
    the account (candidate role, unusable password), creates the CandidateProfile when the person
    has none (an existing profile is left as the candidate wrote it), opens a draft application
    in the event with ``actor`` as the history user. After commit, one task queues an invitation
    mail for every new account and the email copy of the in-app notification of every existing
    one.

    The writes are bulk inserts, a few queries for the whole file whatever its length (1,000
    rows: seconds, not the minutes that one ``assessment_create`` per row took)."""
    if not getattr(actor, "is_lsp_admin", False):
        raise PermissionDenied(_("Only an LSP admin can register a batch of candidates."))
    # Locked for the whole import: a candidate applying on their own at the same time waits, so
    # the quota counted here stays true.
    event = (
        AssessmentEvent.objects.select_for_update()
        .select_related("scheme_version__scheme")
        .get(pk=event_id)
    )
    problem = event_problem(event)
    if problem:
        raise ValidationError(problem, code="event_closed")
    preview = batch_check(event=event, rows=rows)
    if not preview.ok:
        raise ValidationError(
            _("%(count)s rows have errors; nothing was registered.")
            % {"count": preview.error_count},
            code="row_errors",
        )
    # The event lock does not stop someone signing up, or saving a profile, with an email or
    # NIK of the file between the check above and these inserts; the unique constraints catch
    # it. The savepoint keeps the rollback clean on PostgreSQL; the error is the admin's to read.
    try:
        with transaction.atomic():
            invited, notification_ids = _write_batch(preview, event, actor)
    except IntegrityError as exc:
        raise ValidationError(
            _("The data changed meanwhile; check the file again."), code="conflict"
        ) from exc
    event_pk = event.pk
    transaction.on_commit(lambda: enqueue(send_batch_messages, event_pk, invited, notification_ids))
    return preview


def _write_batch(
    preview: BatchPreview, event: AssessmentEvent, actor
) -> tuple[list[int], list[int]]:
    """Insert the accounts, profiles, applications and notifications of a checked file;
    return the ids of the new accounts (to invite) and of the notifications (to mail)."""
    users = _accounts_for(preview.rows)
    CandidateProfile.objects.bulk_create(
        [
            CandidateProfile(user=user, **_profile_fields(row.data))
            for row, user in zip(preview.rows, users, strict=True)
            if not row.has_profile
        ]
    )
    # What assessment_create checks per application holds for the whole file: the actor is an
    # LSP admin, the version is published (event_problem), nobody in the file has an open
    # application for it (batch_check; the partial unique constraint still catches a concurrent
    # duplicate), and there is no previous assessment.
    assessments = bulk_create_with_history(
        [
            Assessment(candidate=user, scheme_version=event.scheme_version, event=event)
            for user in users
        ],
        Assessment,
        default_user=actor,
        default_change_reason="registered by institution batch",
    )
    invited = [
        user.pk
        for row, user in zip(preview.rows, users, strict=True)
        if row.existing_user_id is None
    ]
    notifications = Notification.objects.bulk_create(
        [
            _registered_notification(user, assessment, event)
            for row, user, assessment in zip(preview.rows, users, assessments, strict=True)
            if row.existing_user_id is not None
        ]
    )
    return invited, [n.pk for n in notifications]


def _registered_notification(
    user: User, assessment: Assessment, event: AssessmentEvent
) -> Notification:
    """The in-app notice of ``assessment_services.notify``, its title in the person's language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title = _("You were registered for an assessment")
    return Notification(
        recipient=user,
        title=title,
        body=str(event),
        url=reverse("assessments:application_edit", args=[assessment.pk]),
    )


def _profile_fields(data: dict) -> dict:
    return {
        "nik": data["nik"],
        "birth_place": data["birth_place"],
        "birth_date": data["birth_date"],
        "sex": data["sex"],
        "address": data["address"],
        "phone": data["phone"],
        "education": data["education"],
        "institution": data["institution"],
        "position": data["position"],
    }


def _accounts_for(rows: list[BatchRow]) -> list[User]:
    """The account of every row, in order: the existing ones (given the candidate role) and
    new ones created in one insert. User has no history table: the batch's audit trail is the
    history row of each application, which names the acting admin."""
    existing = User.objects.in_bulk([r.existing_user_id for r in rows if r.existing_user_id])
    User.objects.filter(pk__in=existing, is_candidate=False).update(is_candidate=True)
    new_users = []
    for row in rows:
        if row.existing_user_id is not None:
            continue
        user = User(
            email=row.data["email"],
            full_name=row.data["full_name"],
            is_candidate=True,
            language=settings.LANGUAGE_CODE,
        )
        # No password until the person chooses one through the invitation link.
        user.set_unusable_password()
        new_users.append(user)
    created = iter(User.objects.bulk_create(new_users))
    return [
        existing[row.existing_user_id] if row.existing_user_id is not None else next(created)
        for row in rows
    ]


# --- invitation ----------------------------------------------------------------------------------


@shared_task(acks_late=True)
def send_batch_messages(event_id: int, user_ids: list[int], notification_ids: list[int]) -> None:
    """Queue the mails of one batch from the worker: the request publishes this one task, not
    one per person. Each mail is its own task (its own retries); running this twice queues
    them twice, which sends a second, equally valid invitation and nothing more for a
    notification already emailed."""
    from assessments.tasks import send_notification_email

    for user_id in user_ids:
        enqueue(send_batch_invitation, user_id, event_id)
    for notification_id in notification_ids:
        enqueue(send_notification_email, notification_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_batch_invitation(user_id: int, event_id: int) -> None:
    """Mail a set-password link to an account created by a batch, in the user's language.

    The link is Django's password reset token: it stops working once a password is set, so a
    second run (a retry) sends a link that is just as valid and changes nothing."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    event = (
        AssessmentEvent.objects.select_related("tuk", "scheme_version").filter(pk=event_id).first()
    )
    if user is None or event is None or user.has_usable_password():
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        base_url = settings.KOMPETEN_BASE_URL.rstrip("/")
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        context = {"user": user, "event": event, "lsp": LSP.load(), "url": f"{base_url}{path}"}
        subject = render_to_string("certification/console/batch_invitation_subject.txt", context)
        body = render_to_string("certification/console/batch_invitation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


# --- question bank (console): kept here until assessments/services grows a bank module ---------


def _require_admin(actor) -> None:
    if not getattr(actor, "is_lsp_admin", False):
        raise PermissionDenied(_("Only an LSP admin can maintain the question bank."))


@transaction.atomic
def bank_question_save(
    *,
    actor,
    scheme_id: int,
    instrument: str,
    unit_code: str,
    text: str,
    expected_answer: str = "",
    question_id: int | None = None,
) -> BankQuestion:
    """Add a question to a scheme's bank, or change one (``question_id``) of that scheme.

    Questions already asked keep their own copy of the text (QuestionRecord), so an edit never
    rewrites a past assessment record."""
    _require_admin(actor)
    if question_id is None:
        question = BankQuestion(scheme_id=scheme_id)
    else:
        question = BankQuestion.objects.select_for_update().get(pk=question_id, scheme_id=scheme_id)
    question.instrument = instrument
    question.unit_code = unit_code.strip()
    question.text = text.strip()
    question.expected_answer = expected_answer.strip()
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def bank_question_set_active(*, actor, question_id: int, active: bool) -> BankQuestion:
    """Deactivate (or bring back) a bank question: assessors no longer pick an inactive one,
    while the records that used it keep pointing at it."""
    _require_admin(actor)
    question = BankQuestion.objects.select_for_update().get(pk=question_id)
    if question.active != active:
        question.active = active
        question.save(update_fields=["active"])
    return question
