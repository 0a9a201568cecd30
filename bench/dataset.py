"""The benchmark dataset: an LSP at scale, written straight into the tables.

Rows go in with COPY (PostgreSQL) or executemany (SQLite, for the smoke test) with ids chosen
here, so that no row waits for a round trip to learn its key; every user shares one password
hash and every file row points at the same few tiny blobs written once. Records are complete:
APL.01 documents checked, APL.02 answered with evidence, the plan, AK.01 signed, impartiality
declared, an observation for every KUK, questions, evidence reviewed (VATM), K/BK per unit,
feedback both ways, and decisions and certificates for the decided ones.

Who is where (``Dataset`` keeps the ids the runner needs):
- the first ``MATRIX`` candidates sit in the bench event (event 0, assessor 0) in progress;
- then the certified ones (one certificate each), the reported ones (awaiting the pleno), the
  not-certified ones and the recommended ones, in contiguous blocks over the other events;
- a tenth of the assessments are submitted applications without an event (the admin queue).
Builds only into an empty database (the runner creates it); ``build`` refuses otherwise.
"""

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from assessments.fields import nik_lookup_hash
from assessments.models import (
    TUK,
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    AssessorFeedback,
    AssessorProfile,
    CandidateFeedback,
    CandidateProfile,
    ConsentTerms,
    EventAssessor,
    EventReport,
    Evidence,
    EvidenceReview,
    ImpartialityDeclaration,
    Observation,
    PreparationRecord,
    QuestionRecord,
    SelfAssessment,
    Signature,
    ThirdPartyVerification,
    UnitDecision,
    UnitPlan,
)
from certification.models import (
    LSP,
    Appeal,
    Certificate,
    CertificationDecision,
    DecisionLetter,
    NumberSequence,
    User,
)
from schemes.models import Criterion, Element, Scheme, SchemeUnit, SchemeVersion, Unit, UnitGroup

PASSWORD = "bench-password"  # noqa: S105 - every bench user, never a real account
MATRIX = 30  # candidates in the bench event: the 30 x 10 matrix of the issue
LETTER_SIZE = 50  # decisions per decision letter (one pleno meeting)
APPEAL_EVERY = 20  # one appeal per this many candidates not certified
S = Assessment.State


@dataclass(frozen=True)
class Scale:
    name: str
    schemes: int
    assessors: int
    candidates: int
    events: int
    assessments: int
    certificates: int
    units: int = 10
    elements: int = 4
    criteria: int = 3


SCALES = {
    "full": Scale("full", 20, 300, 50_000, 2_000, 20_000, 10_000),
    "small": Scale("small", 2, 30, 5_000, 200, 2_000, 1_000),
    # For tests/bench: every kind of row, in a second or two.
    "tiny": Scale("tiny", 2, 3, 80, 4, 60, 10, units=2, elements=2, criteria=2),
}


@dataclass
class Dataset:
    """Ids of the rows the benchmark pages are requested for."""

    scale: str
    counts: dict[str, int] = field(default_factory=dict)
    assessor_id: int = 0
    admin_id: int = 0
    decision_maker_id: int = 0
    candidate_id: int = 0
    event_id: int = 0
    matrix_assessment_id: int = 0
    tracked_assessment_id: int = 0
    reported_assessment_id: int = 0
    certificate_token: str = ""
    scheme_id: int = 0
    scheme_number: str = ""
    scheme_version_id: int = 0


class Writer:
    """Writes rows of one model in one statement stream, filling every column not given with the
    field's default (computed once per table, not per row)."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self.counts: dict[str, int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        top = model.objects.aggregate(top=models.Max("pk"))["top"]
        return (top or 0) + 1

    def _default(self, model_field: models.Field):
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            return self.now
        value = model_field.get_default()
        if isinstance(model_field, models.JSONField) and not (value is None and model_field.null):
            return json.dumps(value)
        return value

    @staticmethod
    def _prepare(row: tuple, custom: list[tuple[int, models.Field]]) -> tuple:
        values = list(row)
        for i, model_field in custom:
            values[i] = model_field.get_db_prep_save(values[i], connection)
        return tuple(values)

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [f for name, f in fields.items() if name not in columns]
        names = [fields[c].column for c in columns] + [f.column for f in missing]
        filler = tuple(self._default(f) for f in missing)
        # Fields of our own (an encrypted column) prepare their values; Django's own need not.
        custom = [
            (i, fields[c])
            for i, c in enumerate(columns)
            if not type(fields[c]).__module__.startswith("django.")
        ]
        if custom:
            rows = (self._prepare(row, custom) for row in rows)
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + filler)
                        count += 1
            else:
                batch: list[tuple] = []
                # Identifiers from the model's own metadata, values as parameters.
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
                for row in rows:
                    batch.append(row + filler)
                    if len(batch) >= 5000:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + count
        return count


def _through(model: type[models.Model], name: str) -> type[models.Model]:
    return model._meta.get_field(name).remote_field.through


def _blob(name: str, data: bytes) -> tuple[str, int, str]:
    """A tiny file written once; every file row of its kind points at it."""
    path = f"bench/{name}"
    if not default_storage.exists(path):
        from django.core.files.base import ContentFile

        default_storage.save(path, ContentFile(data))
    return path, len(data), hashlib.sha256(data).hexdigest()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def build(scale_name: str) -> Dataset:  # noqa: C901 - one straight script, table by table
    scale = SCALES[scale_name]
    if User.objects.exists():
        raise RuntimeError("The bench dataset is built only into an empty database.")
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    writer = Writer(now)
    ds = Dataset(scale=scale_name)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Foreign keys are DEFERRABLE INITIALLY DEFERRED: checked one by one for millions of
            # rows at COMMIT, they would take longer than the load. The builder's ids are checked
            # by tests/bench on SQLite, which enforces every key; here triggers are skipped for
            # this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        _build(scale, writer, ds, now, today)
        if connection.vendor == "postgresql":
            # SET LOCAL lasts until the outermost transaction ends (a test's, for instance).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
        _reset_sequences()
    ds.counts = dict(sorted(writer.counts.items()))
    return ds


def _build(scale: Scale, w: Writer, ds: Dataset, now, today) -> None:  # noqa: C901, PLR0915
    password = make_password(PASSWORD)
    pdf_path, pdf_size, pdf_sha = _blob("dokumen.pdf", PDF)
    LSP.objects.create(name="LSP Bench Kompeten", short_code="LSPB", city="Jakarta")

    # --- standards: schemes of `units` units, each `elements` x `criteria` ---------------------
    n_units = scale.schemes * scale.units
    unit0, elem0, crit0 = w.next_id(Unit), w.next_id(Element), w.next_id(Criterion)
    w.write(
        Unit,
        ["id", "code", "revision", "title", "description", "frozen_at", "created_at"],
        (
            (
                unit0 + u,
                f"J.620100.{u:03d}.02",
                1,
                f"Mengembangkan komponen perangkat lunak {u}",
                "Unit ini berhubungan dengan pengetahuan, keterampilan dan sikap kerja.",
                now,
                now,
            )
            for u in range(n_units)
        ),
    )
    w.write(
        Element,
        ["id", "unit_id", "number", "title"],
        (
            (elem0 + u * scale.elements + e, unit0 + u, e + 1, f"Menyiapkan pekerjaan {e + 1}")
            for u in range(n_units)
            for e in range(scale.elements)
        ),
    )
    n_elements = n_units * scale.elements
    w.write(
        Criterion,
        ["id", "element_id", "number", "position", "text"],
        (
            (
                crit0 + el * scale.criteria + c,
                elem0 + el,
                f"{el % scale.elements + 1}.{c + 1}",
                c + 1,
                "Kebutuhan pekerjaan diidentifikasi sesuai prosedur yang berlaku.",
            )
            for el in range(n_elements)
            for c in range(scale.criteria)
        ),
    )
    scheme0, version0, group0, su0 = (
        w.next_id(Scheme),
        w.next_id(SchemeVersion),
        w.next_id(UnitGroup),
        w.next_id(SchemeUnit),
    )
    w.write(
        Scheme,
        ["id", "number", "created_at"],
        ((scheme0 + s, f"SKM/BENCH/{s:05d}/2026", now) for s in range(scale.schemes)),
    )
    w.write(
        SchemeVersion,
        ["id", "scheme_id", "version", "title", "scheme_type", "kkni_level", "status"]
        + ["required_documents", "published_at", "ratified_by", "created_at"],
        (
            (
                version0 + s,
                scheme0 + s,
                1,
                f"Skema Okupasi Pengembang Web {s}",
                "okupasi",
                None,
                "published",
                json.dumps(["photo", "ktp", "ijazah"]),
                now,
                "Ketua LSP",
                now,
            )
            for s in range(scale.schemes)
        ),
    )
    # Two work groups per scheme, the units split between them.
    half = (scale.units + 1) // 2
    w.write(
        UnitGroup,
        ["id", "version_id", "position", "title"],
        (
            (group0 + s * 2 + g, version0 + s, g + 1, f"Kelompok pekerjaan {g + 1}")
            for s in range(scale.schemes)
            for g in range(2)
        ),
    )
    w.write(
        SchemeUnit,
        ["id", "group_id", "unit_id", "position"],
        (
            (
                su0 + s * scale.units + u,
                group0 + s * 2 + (u >= half),
                unit0 + s * scale.units + u,
                u + 1,
            )
            for s in range(scale.schemes)
            for u in range(scale.units)
        ),
    )

    def units_of(scheme: int) -> range:
        return range(unit0 + scheme * scale.units, unit0 + (scheme + 1) * scale.units)

    def elements_of(scheme: int) -> range:
        first = elem0 + scheme * scale.units * scale.elements
        return range(first, first + scale.units * scale.elements)

    def criteria_of(scheme: int) -> range:
        per = scale.units * scale.elements * scale.criteria
        return range(crit0 + scheme * per, crit0 + (scheme + 1) * per)

    def element_unit(element_id: int) -> int:
        return unit0 + (element_id - elem0) // scale.elements

    # --- people -----------------------------------------------------------------------------
    user0 = w.next_id(User)
    admin_id, dm_id, head_id = user0, user0 + 1, user0 + 2
    assessor0 = user0 + 3
    candidate0 = assessor0 + scale.assessors
    staff = [
        (admin_id, "admin@bench.kompeten.test", "Admin LSP", False, False, True, False, False),
        (dm_id, "pleno@bench.kompeten.test", "Komite Teknis", False, False, False, True, False),
        (head_id, "ketua@bench.kompeten.test", "Ketua LSP", False, False, False, False, True),
    ]
    people = staff + [
        (assessor0 + a, f"asesor{a}@bench.kompeten.test", f"Asesor {a}", False, True, False)
        + (False, False)
        for a in range(scale.assessors)
    ]
    people_rows = ((*p, password, now, now, True, p[5]) for p in people)  # is_staff for admins
    columns = ["id", "email", "full_name", "is_candidate", "is_assessor", "is_lsp_admin"]
    columns += ["is_decision_maker", "is_lsp_head", "password", "email_verified_at"]
    columns += ["date_joined", "is_active", "is_staff"]
    w.write(User, columns, people_rows)
    w.write(
        User,
        columns,
        (
            (
                candidate0 + c,
                f"asesi{c}@bench.kompeten.test",
                f"Asesi Nama Lengkap {c}",
                True,
                False,
                False,
                False,
                False,
                password,
                now,
                now,
                True,
                False,
            )
            for c in range(scale.candidates)
        ),
    )
    profile0 = w.next_id(AssessorProfile)
    w.write(
        AssessorProfile,
        ["id", "user_id", "met_number", "licence_valid_until", "status", "phone"],
        (
            (
                profile0 + a,
                assessor0 + a,
                f"MET.000.{a:06d}.2020",
                today + datetime.timedelta(days=730),
                "active",
                "0812 3456 7890",
            )
            for a in range(scale.assessors)
        ),
    )
    scope = _through(AssessorProfile, "scope")
    w.write(
        scope,
        ["id", "assessorprofile_id", "scheme_id"],
        (
            (a * scale.schemes + s + 1, profile0 + a, scheme0 + s)
            for a in range(scale.assessors)
            for s in range(scale.schemes)
        ),
    )
    w.write(
        CandidateProfile,
        ["id", "user_id", "nik", "nik_hash", "birth_place", "birth_date", "sex", "address", "phone"]
        + ["education", "institution", "position", "updated_at"],
        (
            (
                w_id + c,
                candidate0 + c,
                f"3171{c:012d}",
                nik_lookup_hash(f"3171{c:012d}"),
                "Jakarta",
                datetime.date(1995, 1, 1) + datetime.timedelta(days=c % 3000),
                "L" if c % 2 else "P",
                f"Jl. Merdeka No. {c % 200 + 1}, Jakarta",
                "0812 0000 0000",
                "sma",
                f"PT Maju Bersama {c % 50}",
                "Staf TI",
                now,
            )
            for w_id in [w.next_id(CandidateProfile)]
            for c in range(scale.candidates)
        ),
    )

    # --- venues and events --------------------------------------------------------------------
    tuk0 = w.next_id(TUK)
    n_tuks = max(1, scale.events // 20)
    w.write(
        TUK,
        ["id", "code", "name", "tuk_type", "address", "city", "time_zone"]
        + ["verification_status", "verified_on", "verified_by_id"],
        (
            (
                tuk0 + t,
                f"TUK-{t:04d}",
                f"TUK Bench {t}",
                "sewaktu",
                "Jl. Sudirman 1",
                "Jakarta",
                "Asia/Jakarta",
                "sesuai",
                today,
                admin_id,
            )
            for t in range(n_tuks)
        ),
    )

    in_events = scale.assessments - scale.assessments // 10
    matrix = min(MATRIX, in_events)
    rest = in_events - matrix
    certified = min(scale.certificates, rest)
    third = (rest - certified) // 3
    blocks = [  # (state, decided outcome, count)
        (S.DECIDED, "certified", certified),
        (S.REPORTED, None, max(third, 1) if rest > certified else 0),
    ]
    blocks.append((S.DECIDED, "not_certified", third))
    blocks.append((S.RECOMMENDED, None, rest - sum(b[2] for b in blocks)))

    event0 = w.next_id(AssessmentEvent)
    other_events = max(1, scale.events - 1)

    # assessment index (within `rest`) -> event index 1..events-1, in contiguous blocks
    def event_of(i: int) -> int:
        return 1 + (i * other_events) // max(rest, 1)

    def scheme_of_event(e: int) -> int:
        return e % scale.schemes

    def assessor_of_event(e: int) -> int:
        return assessor0 + e % scale.assessors

    event_sizes = [0] * (other_events + 1)
    event_sizes[0] = matrix
    for i in range(rest):
        event_sizes[event_of(i)] += 1
    w.write(
        AssessmentEvent,
        ["id", "code", "name", "scheme_version_id", "tuk_id", "starts_at", "ends_at", "quota"]
        + ["status"],
        (
            (
                event0 + e,
                f"EV-{e:05d}",
                f"Uji Kompetensi Bench {e}",
                version0 + scheme_of_event(e),
                tuk0 + e % n_tuks,
                now - datetime.timedelta(hours=1) if e == 0 else now - datetime.timedelta(days=e),
                now + datetime.timedelta(hours=7)
                if e == 0
                else now - datetime.timedelta(days=e) + datetime.timedelta(hours=8),
                max(event_sizes[e], MATRIX),
                "closed" if e == 0 else "done",
            )
            for e in range(other_events + 1)
        ),
    )
    w.write(
        EventAssessor,
        ["id", "event_id", "assessor_id", "assigned_by_id", "assigned_at"],
        (
            (w_id + e, event0 + e, assessor_of_event(e), admin_id, now)
            for w_id in [w.next_id(EventAssessor)]
            for e in range(other_events + 1)
        ),
    )

    # --- assessments: (scheme, event or None, state, outcome) per candidate ---------------------
    plan: list[tuple[int, int | None, str, str | None]] = []
    plan.extend([(scheme_of_event(0), 0, S.IN_PROGRESS, None)] * matrix)
    i = 0
    for state, outcome, count in blocks:
        for _ in range(count):
            e = event_of(i)
            plan.append((scheme_of_event(e), e, state, outcome))
            i += 1
    for k in range(scale.assessments - in_events):
        plan.append((k % scale.schemes, None, S.SUBMITTED, None))
    a0 = w.next_id(Assessment)
    reported_states = {S.REPORTED, S.DECIDED}
    w.write(
        Assessment,
        ["id", "candidate_id", "scheme_version_id", "event_id", "assessor_id", "state"]
        + ["state_changed_at", "submitted_at", "payment_confirmed_at", "payment_confirmed_by_id"]
        + ["attended_at", "reported_at", "created_at", "purpose"],
        (
            (
                a0 + n,
                candidate0 + n,
                version0 + s,
                None if e is None else event0 + e,
                None if e is None else assessor_of_event(e),
                state,
                now,
                now - datetime.timedelta(days=30),
                None if e is None else now - datetime.timedelta(days=25),
                None if e is None else admin_id,
                None if e is None else now - datetime.timedelta(days=max(e, 1)),
                now - datetime.timedelta(days=max(e or 0, 1)) if state in reported_states else None,
                now - datetime.timedelta(days=31, seconds=n),
                "sertifikasi",
            )
            for n, (s, e, state, _outcome) in enumerate(plan)
        ),
    )
    assessed = [(a0 + n, p) for n, p in enumerate(plan) if p[1] is not None]

    def actor(p) -> int:
        return assessor_of_event(p[1])

    # APL.01 documents (checked for the scheduled ones) and two pieces of evidence each.
    kinds = ["photo", "ktp", "ijazah"]
    w.write(
        ApplicationDocument,
        ["id", "assessment_id", "kind", "file", "original_name", "content_type", "size"]
        + ["sha256", "uploaded_by_id", "uploaded_at", "present", "meets", "checked_by_id"]
        + ["checked_at"],
        (
            (
                w_id + n * 3 + k,
                a0 + n,
                kind,
                pdf_path,
                f"{kind}.pdf",
                "application/pdf",
                pdf_size,
                pdf_sha,
                candidate0 + n,
                now,
                *((True, True, admin_id, now) if p[1] is not None else (None, None, None, None)),
            )
            for w_id in [w.next_id(ApplicationDocument)]
            for n, p in enumerate(plan)
            for k, kind in enumerate(kinds)
        ),
    )
    ev0 = w.next_id(Evidence)
    w.write(
        Evidence,
        ["id", "assessment_id", "title", "description", "file", "original_name"]
        + ["content_type", "size", "sha256", "uploaded_by_id", "uploaded_at", "reviewed_at"],
        (
            (
                ev0 + n * 2 + k,
                a0 + n,
                f"Laporan proyek {k + 1}",
                "Dokumentasi pekerjaan yang relevan.",
                pdf_path,
                f"laporan{k + 1}.pdf",
                "application/pdf",
                pdf_size,
                pdf_sha,
                candidate0 + n,
                now,
                now if p[1] is not None else None,
            )
            for n, p in enumerate(plan)
            for k in range(2)
        ),
    )
    # FR.APL.02: every element answered K, linked to the first piece of evidence.
    per_scheme_elements = scale.units * scale.elements
    sa0 = w.next_id(SelfAssessment)
    w.write(
        SelfAssessment,
        ["id", "assessment_id", "element_id", "answer", "answered_at"],
        (
            (sa0 + n * per_scheme_elements + k, a0 + n, element_id, "K", now)
            for n, p in enumerate(plan)
            for k, element_id in enumerate(elements_of(p[0]))
        ),
    )
    w.write(
        _through(SelfAssessment, "evidence"),
        ["id", "selfassessment_id", "evidence_id"],
        (
            (n * per_scheme_elements + k + 1, sa0 + n * per_scheme_elements + k, ev0 + n * 2)
            for n, p in enumerate(plan)
            for k in range(per_scheme_elements)
        ),
    )

    # --- the assessor's record for every scheduled assessment ----------------------------------
    w.write(
        ImpartialityDeclaration,
        ["id", "event_id", "assessor_id", "assessment_id", "relationship", "declared_at"],
        (
            (w_id + k, event0 + p[1], actor(p), a_id, "none", now)
            for w_id in [w.next_id(ImpartialityDeclaration)]
            for k, (a_id, p) in enumerate(assessed)
        ),
    )
    w.write(
        PreparationRecord,
        ["id", "assessment_id", "apl02_proceed", "apl02_note", "apl02_reviewed_at", "potensi"]
        + ["context", "purpose_note", "tuk_ready", "documents_complete", "adjustments"]
        + ["plan_done_at", "updated_at"],
        (
            (
                w_id + k,
                a_id,
                True,
                "Bukti memadai, asesmen dapat dilanjutkan.",
                now,
                3,
                "workplace",
                "SKKNI dan SOP perusahaan.",
                json.dumps({"room": True, "equipment": True, "safety": True, "internet": True}),
                json.dumps(
                    {"apl01": True, "apl02": True, "instruments": True, "surat_tugas": True}
                ),
                json.dumps({"time": {"needed": True, "note": "Tambahan waktu 15 menit."}}),
                now,
                now,
            )
            for w_id in [w.next_id(PreparationRecord)]
            for k, (a_id, p) in enumerate(assessed)
        ),
    )
    w.write(
        UnitPlan,
        ["id", "assessment_id", "unit_id", "evidence_types", "instruments", "note"],
        (
            (
                w_id + k * scale.units + u,
                a_id,
                unit_id,
                '["L", "TL"]',
                '["ia01", "ia07", "ia08"]',
                "Observasi dan portofolio.",
            )
            for w_id in [w.next_id(UnitPlan)]
            for k, (a_id, p) in enumerate(assessed)
            for u, unit_id in enumerate(units_of(p[0]))
        ),
    )
    w.write(
        ConsentTerms,
        ["id", "assessment_id", "methods", "updated_at"],
        (
            (w_id + k, a_id, '["portofolio", "observasi", "lisan"]', now)
            for w_id in [w.next_id(ConsentTerms)]
            for k, (a_id, p) in enumerate(assessed)
        ),
    )
    assessment_type = ContentType.objects.get_for_model(Assessment).pk
    w.write(
        Signature,
        ["id", "signer_id", "role", "typed_name", "signed_at", "document", "subject_type_id"]
        + ["subject_id"],
        (
            (
                w_id + k * 2 + r,
                signer,
                role,
                name,
                now,
                "ak01",
                assessment_type,
                a_id,
            )
            for w_id in [w.next_id(Signature)]
            for k, (a_id, p) in enumerate(assessed)
            for r, (signer, role, name) in enumerate(
                [
                    (candidate0 + a_id - a0, "candidate", f"Asesi Nama Lengkap {a_id - a0}"),
                    (actor(p), "assessor", f"Asesor {actor(p) - assessor0}"),
                ]
            )
        ),
    )
    per_scheme_criteria = scale.units * scale.elements * scale.criteria
    w.write(
        Observation,
        ["id", "assessment_id", "criterion_id", "achieved", "note", "version", "recorded_by_id"]
        + ["recorded_at"],
        (
            (w_id + k * per_scheme_criteria + c, a_id, crit, True, "", 1, actor(p), now)
            for w_id in [w.next_id(Observation)]
            for k, (a_id, p) in enumerate(assessed)
            for c, crit in enumerate(criteria_of(p[0]))
        ),
    )
    w.write(
        QuestionRecord,
        ["id", "assessment_id", "unit_id", "instrument", "question", "expected_answer", "answer"]
        + ["achieved", "recorded_by_id", "recorded_at"],
        (
            (
                w_id + k * scale.units + u,
                a_id,
                unit_id,
                "ia07",
                "Jelaskan prosedur kerja yang Anda ikuti.",
                "Sesuai SOP.",
                "Saya mengikuti SOP perusahaan.",
                True,
                actor(p),
                now,
            )
            for w_id in [w.next_id(QuestionRecord)]
            for k, (a_id, p) in enumerate(assessed)
            for u, unit_id in enumerate(units_of(p[0]))
        ),
    )
    review0 = w.next_id(EvidenceReview)
    reviewed = [(ev0 + (a_id - a0) * 2 + k, p) for a_id, p in assessed for k in range(2)]
    w.write(
        EvidenceReview,
        ["id", "evidence_id", "valid", "authentic", "current", "sufficient", "note"]
        + ["reviewed_by_id", "reviewed_at", "version"],
        (
            (review0 + r, evidence_id, True, True, True, True, "Sesuai", actor(p), now, 1)
            for r, (evidence_id, p) in enumerate(reviewed)
        ),
    )
    w.write(
        _through(EvidenceReview, "criteria"),
        ["id", "evidencereview_id", "criterion_id"],
        (
            (r * 2 + c + 1, review0 + r, criteria_of(p[0])[c])
            for r, (evidence_id, p) in enumerate(reviewed)
            for c in range(2)
        ),
    )
    w.write(
        ThirdPartyVerification,
        ["id", "assessment_id", "supervisor_name", "workplace", "relationship", "known_for"]
        + ["answers", "recorded_by_id", "recorded_at"],
        (
            (
                w_id + k,
                a_id,
                "Pak Budi",
                "PT Maju Bersama",
                "Atasan langsung",
                "2 tahun",
                '{"performs_tasks": true}',
                actor(p),
                now,
            )
            for w_id in [w.next_id(ThirdPartyVerification)]
            for k, (a_id, p) in enumerate(assessed)
        ),
    )
    # FR.AK.02 and feedback: the matrix candidates are still being assessed.
    decided_units = [(a_id, p) for a_id, p in assessed if p[2] != S.IN_PROGRESS]

    def unit_outcome(p, u: int) -> tuple[str, str, str]:
        if p[3] == "not_certified" and u == scale.units - 1:
            return "BK", "KUK 1.1 belum tercapai.", "Asesmen ulang elemen 1."
        return "K", "", ""

    w.write(
        UnitDecision,
        ["id", "assessment_id", "unit_id", "outcome", "reason", "follow_up", "sources"]
        + ["decided_by_id", "decided_at"],
        (
            (
                w_id + k * scale.units + u,
                a_id,
                unit_id,
                *unit_outcome(p, u),
                '["observasi", "portofolio"]',
                actor(p),
                now,
            )
            for w_id in [w.next_id(UnitDecision)]
            for k, (a_id, p) in enumerate(decided_units)
            for u, unit_id in enumerate(units_of(p[0]))
        ),
    )
    w.write(
        AssessorFeedback,
        ["id", "assessment_id", "unit_id", "strengths", "gaps", "written_by_id", "written_at"],
        (
            (
                w_id + k * scale.units + u,
                a_id,
                unit_id,
                "Teliti dan runtut.",
                "Dokumentasi kerja.",
                actor(p),
                now,
            )
            for w_id in [w.next_id(AssessorFeedback)]
            for k, (a_id, p) in enumerate(decided_units)
            for u, unit_id in enumerate(units_of(p[0]))
        ),
    )
    w.write(
        CandidateFeedback,
        ["id", "assessment_id", "answers", "comments", "notes", "submitted_at"],
        (
            (w_id + k, a_id, json.dumps([True] * 9), "[]", "Terima kasih.", now)
            for w_id in [w.next_id(CandidateFeedback)]
            for k, (a_id, p) in enumerate(decided_units)
        ),
    )
    reported_events = sorted({p[1] for a_id, p in decided_units if p[2] in reported_states})
    w.write(
        EventReport,
        ["id", "event_id", "assessor_id", "positive_aspects", "negative_aspects", "rejections"]
        + ["suggestions", "submitted_at"],
        (
            (w_id + k, event0 + e, assessor_of_event(e), "Lancar.", "-", "-", "-", now)
            for w_id in [w.next_id(EventReport)]
            for k, e in enumerate(reported_events)
        ),
    )

    # --- the pleno's decisions and the certificates -------------------------------------------
    decided = [(a_id, p) for a_id, p in assessed if p[2] == S.DECIDED]
    # One decision letter (SK) per pleno meeting of LETTER_SIZE decisions, signed by the head.
    letter0 = w.next_id(DecisionLetter)
    n_letters = (len(decided) + LETTER_SIZE - 1) // LETTER_SIZE
    w.write(
        DecisionLetter,
        ["id", "number", "year", "sequence", "date", "signatory_id", "signed_at", "created_by_id"]
        + ["created_at"],
        (
            (
                letter0 + n,
                f"{n + 1:03d}/SK/LSPB/XI/{today.year}",
                today.year,
                n + 1,
                today,
                head_id,
                now,
                admin_id,
                now,
            )
            for n in range(n_letters)
        ),
    )
    decision0 = w.next_id(CertificationDecision)
    w.write(
        CertificationDecision,
        ["id", "assessment_id", "scheme_version_id", "assessment_date", "recommendation"]
        + ["outcome", "basis", "decided_by_id", "decided_at", "letter_id"],
        (
            (
                decision0 + k,
                a_id,
                version0 + p[0],
                today - datetime.timedelta(days=p[1]),
                "K" if p[3] == "certified" else "BK",
                p[3],
                "Rapat pleno: rekomendasi asesor diterima.",
                dm_id,
                now,
                letter0 + k // LETTER_SIZE,
            )
            for k, (a_id, p) in enumerate(decided)
        ),
    )
    # FR.AK.04: every APPEAL_EVERY-th candidate not certified has filed an appeal.
    refused = [(a_id, p) for a_id, p in decided if p[3] == "not_certified"]
    w.write(
        Appeal,
        ["id", "assessment_id", "filed_by_id", "process_explained", "discussed_with_assessor"]
        + ["reason", "filed_at", "status"],
        (
            (
                w_id + k,
                a_id,
                candidate0 + a_id - a0,
                True,
                True,
                "Saya keberatan dengan keputusan unit terakhir.",
                now,
                "filed",
            )
            for w_id in [w.next_id(Appeal)]
            for k, (a_id, p) in enumerate(refused[::APPEAL_EVERY])
        ),
    )
    holders = [
        (decision0 + k, a_id, p) for k, (a_id, p) in enumerate(decided) if p[3] == "certified"
    ]
    cert0 = w.next_id(Certificate)
    year = today.year
    tokens = [hashlib.sha256(f"bench-{n}".encode()).hexdigest()[:32] for n in range(len(holders))]
    w.write(
        Certificate,
        ["id", "decision_id", "holder_id", "holder_name", "scheme_version_id", "number", "year"]
        + ["sequence", "issued_on", "valid_until", "issued_by_id", "token", "state"]
        + ["state_changed_at"],
        (
            (
                cert0 + n,
                decision_id,
                candidate0 + a_id - a0,
                f"Asesi Nama Lengkap {a_id - a0}",
                version0 + p[0],
                f"{n + 1:05d}/SKM/BENCH/{p[0]:05d}/2026/LSPB/{year}",
                year,
                n + 1,
                today - datetime.timedelta(days=p[1]),
                today - datetime.timedelta(days=p[1]) + datetime.timedelta(days=3 * 365),
                admin_id,
                tokens[n],
                "active",
                now,
            )
            for n, (decision_id, a_id, p) in enumerate(holders)
        ),
    )
    w.write(
        _through(Certificate, "units"),
        ["id", "certificate_id", "unit_id"],
        (
            (n * scale.units + u + 1, cert0 + n, unit_id)
            for n, (decision_id, a_id, p) in enumerate(holders)
            for u, unit_id in enumerate(units_of(p[0]))
        ),
    )
    NumberSequence.objects.create(kind="certificate", year=year, last=len(holders))
    NumberSequence.objects.create(kind="decision_letter", year=today.year, last=n_letters)

    # --- what the runner requests ---------------------------------------------------------------
    first = {}
    for a_id, p in assessed:
        first.setdefault((p[2], p[3]), a_id)
    ds.admin_id, ds.decision_maker_id, ds.assessor_id = admin_id, dm_id, assessor0
    ds.event_id = event0
    ds.matrix_assessment_id = a0
    ds.tracked_assessment_id = first.get((S.DECIDED, "certified"), a0)
    ds.candidate_id = candidate0 + ds.tracked_assessment_id - a0
    ds.reported_assessment_id = first.get((S.REPORTED, None), a0)
    ds.certificate_token = tokens[0] if tokens else ""
    ds.scheme_id, ds.scheme_number = scheme0, "SKM/BENCH/00000/2026"
    ds.scheme_version_id = version0


def _reset_sequences() -> None:
    from django.apps import apps

    targets: list[type[models.Model]] = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in {"schemes", "assessments", "certification"}:
            targets.append(model)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), targets):
            cursor.execute(sql)


def lookup() -> Dataset:
    """The ids of a built (or restored) dataset, read back from the rows ``build`` wrote."""
    ds = Dataset(scale="")
    ds.admin_id = User.objects.get(email="admin@bench.kompeten.test").pk
    ds.decision_maker_id = User.objects.get(email="pleno@bench.kompeten.test").pk
    ds.assessor_id = User.objects.get(email="asesor0@bench.kompeten.test").pk
    event = AssessmentEvent.objects.get(code="EV-00000")
    ds.event_id = event.pk
    ds.matrix_assessment_id = (
        Assessment.objects.filter(event=event, state=S.IN_PROGRESS).order_by("pk").first().pk
    )
    certificate = Certificate.objects.order_by("pk").select_related("decision").first()
    ds.tracked_assessment_id = certificate.decision.assessment_id
    ds.candidate_id = certificate.holder_id
    ds.certificate_token = certificate.token
    ds.reported_assessment_id = (
        Assessment.objects.filter(state=S.REPORTED).order_by("pk").values_list("pk", flat=True)[0]
    )
    scheme = Scheme.objects.order_by("pk").first()
    ds.scheme_id, ds.scheme_number = scheme.pk, scheme.number
    ds.scheme_version_id = event.scheme_version_id
    return ds
