"""Importing schemes and units: file shapes, every kind of bad file, idempotence, versioning and
import into a draft version, through ``schemes.importer`` and ``manage.py import_scheme``."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from schemes.importer import (
    ChangeKind,
    ImportFileInvalid,
    ImportPlanStale,
    apply_import,
    parse_file,
    plan_import,
)
from schemes.models import Criterion, Element, Scheme, SchemeUnit, SchemeVersion, Unit, UnitGroup
from schemes.services import scheme_version_new_draft, scheme_version_publish
from tests import factories

DATA_DIR = Path(settings.KOMPETEN_SEED_DATA_DIR)
SCHEME_JSON = DATA_DIR / "scheme-junior-web-programmer.json"
UNITS_CSV = DATA_DIR / "units-junior-web-programmer.csv"
FIXTURES = Path(__file__).parent / "fixtures"
HEADER = [
    "unit_code",
    "unit_title",
    "element_number",
    "element_title",
    "criterion_number",
    "criterion_text",
]
SCHEME_NUMBER = "SKM/DEMO/JWP/2026"
UNIT_A, UNIT_B = "J.620100.004.02", "J.620100.005.02"


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English whatever LANGUAGE_CODE and locale/ say.
    with translation.override("en"):
        yield


def scheme_doc() -> dict:
    return json.loads(SCHEME_JSON.read_text(encoding="utf-8"))


def write_json(tmp_path: Path, doc: dict, name: str = "scheme.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def csv_rows() -> list[list[str]]:
    with UNITS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts() -> dict[str, int]:
    return {
        "schemes": Scheme.objects.count(),
        "versions": SchemeVersion.objects.count(),
        "groups": UnitGroup.objects.count(),
        "scheme_units": SchemeUnit.objects.count(),
        "units": Unit.objects.count(),
        "elements": Element.objects.count(),
        "criteria": Criterion.objects.count(),
        "history": SchemeVersion.history.count(),
    }


EMPTY = {
    "schemes": 0,
    "versions": 0,
    "groups": 0,
    "scheme_units": 0,
    "units": 0,
    "elements": 0,
    "criteria": 0,
    "history": 0,
}


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_scheme", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def draft_with_one_unit() -> SchemeVersion:
    """A draft whose unit code cannot collide with the sample file's (factory codes count up
    through J.620100.004.02)."""
    draft = factories.SchemeVersionFactory()
    group = UnitGroup.objects.create(version=draft, position=1, title="Kelompok Pekerjaan 1")
    SchemeUnit.objects.create(
        group=group, position=1, unit=factories.make_unit(code="T.000000.001.01")
    )
    return draft


def issues_of(name: str, data: bytes) -> list:
    with pytest.raises(ImportFileInvalid) as caught:
        parse_file(name, data)
    return caught.value.issues


# Good files -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_json_scheme_import_creates_scheme_with_draft_version_1():
    output = run(SCHEME_JSON)

    version = SchemeVersion.objects.get(scheme__number=SCHEME_NUMBER)
    assert version.version == 1
    assert version.status == SchemeVersion.Status.DRAFT
    assert version.scheme_type == SchemeVersion.Type.KLASTER
    assert version.kkni_level is None
    assert version.requirement_list[0].startswith("Minimal lulusan SMK/SMA")
    assert len(version.source_hash) == 64
    assert [g.title for g in version.groups.all()] == ["Kelompok Pekerjaan 1: Pemrograman"]
    assert [u.code for u in version.units()] == [UNIT_A, UNIT_B]
    unit = Unit.objects.get(code=UNIT_A)
    assert unit.revision == 1 and unit.standard_type == Unit.StandardType.SKKNI
    assert unit.variables.splitlines()[0] == "1. Konteks variabel"
    assert unit.assessment_guide.splitlines()[-1].startswith("5.1 Kemampuan memilih")
    assert [(e.number, e.criteria.count()) for e in unit.elements.all()] == [(1, 2), (2, 2)]
    assert counts() | {"history": 0} == {
        "schemes": 1,
        "versions": 1,
        "groups": 1,
        "scheme_units": 2,
        "units": 2,
        "elements": 4,
        "criteria": 13,
        "history": 0,
    }
    assert version.history.get().history_change_reason == (
        "imported from scheme-junior-web-programmer.json"
    )
    assert "Create scheme SKM/DEMO/JWP/2026 with version 1 (draft)" in output


@pytest.mark.django_db
def test_csv_import_puts_units_into_the_library_only():
    output = run(UNITS_CSV)

    assert Scheme.objects.count() == 0
    unit = Unit.objects.get(code=UNIT_B)
    assert unit.title == "Mengimplementasikan User Interface"
    criteria = Criterion.objects.filter(element__unit=unit).order_by("element__number", "position")
    assert [c.number for c in criteria] == [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
    ]
    assert criteria[0].position == 1
    assert "Create unit J.620100.005.02 revision 1 (elements: 2, KUK: 9)." in output


@pytest.mark.django_db
def test_xlsx_import_reads_the_same_units_as_the_csv(tmp_path):
    rows = csv_rows()
    # Excel stores the element number as a number; the KUK number must stay text ("1.10").
    typed = [rows[0]] + [[*row[:2], int(row[2]), *row[3:]] for row in rows[1:]]
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx_bytes(typed))

    run(path)
    from_xlsx = {u.code: _unit_content(u) for u in Unit.objects.all()}
    Unit.objects.all().delete()
    run(UNITS_CSV)

    assert from_xlsx == {u.code: _unit_content(u) for u in Unit.objects.all()}
    assert len(from_xlsx) == 2


def _unit_content(unit: Unit) -> list:
    return [
        unit.title,
        [
            (e.number, e.title, [(c.number, c.text) for c in e.criteria.all()])
            for e in unit.elements.all()
        ],
    ]


@pytest.mark.django_db
def test_xlsx_blank_cells_repeat_the_unit_and_element_above(tmp_path):
    rows = [
        HEADER,
        [
            UNIT_A,
            "Menggunakan Struktur Data",
            1,
            "Mengidentifikasi konsep data",
            "1.1",
            "Konsep data diidentifikasi.",
        ],
        [None, None, None, None, "1.2", "Alternatif struktur data dibandingkan."],
        [None, None, 2, "Menerapkan struktur data", "2.1", "Struktur data diimplementasikan."],
        [None, None, None, None, None, None],  # trailing blank row
    ]
    path = tmp_path / "merged.xlsx"
    path.write_bytes(xlsx_bytes(rows))

    run(path)

    unit = Unit.objects.get(code=UNIT_A)
    assert [(e.number, [c.number for c in e.criteria.all()]) for e in unit.elements.all()] == [
        (1, ["1.1", "1.2"]),
        (2, ["2.1"]),
    ]


def test_semicolon_separated_csv_with_bom_is_read():
    data = b"\xef\xbb\xbf" + csv_bytes(csv_rows(), delimiter=";")

    parsed = parse_file("units.csv", data)

    assert [u.code for u in parsed.units] == [UNIT_A, UNIT_B]
    assert parsed.units[0].elements[0].criteria[0].number == "1.1"


def test_format_is_detected_from_content_when_the_name_says_nothing():
    assert parse_file("upload", SCHEME_JSON.read_bytes()).file_format == "json"
    assert parse_file("upload", UNITS_CSV.read_bytes()).file_format == "csv"
    assert parse_file("units.csv", xlsx_bytes(csv_rows())).file_format == "xlsx"


@pytest.mark.django_db
def test_optional_csv_columns_are_imported():
    rows = [HEADER + ["unit_description", "standard_type", "element_question", "question_text"]]
    rows.append(
        [
            UNIT_A,
            "Menggunakan Struktur Data",
            "1",
            "Mengidentifikasi konsep data",
            "1.1",
            "Konsep data diidentifikasi.",
            "Unit ini tentang data.",
            "Standar Khusus",
            "Dapatkah saya mengidentifikasi konsep data?",
            "Dapatkah saya mengidentifikasi konsep data sesuai konteks?",
        ]
    )

    parsed = parse_file("units.csv", csv_bytes(rows))
    apply_import(plan_import(parsed), actor=None)

    unit = Unit.objects.get(code=UNIT_A)
    assert unit.description == "Unit ini tentang data."
    assert unit.standard_type == Unit.StandardType.SPECIAL
    element = unit.elements.get()
    assert element.question == "Dapatkah saya mengidentifikasi konsep data?"
    assert element.criteria.get().question_text.endswith("sesuai konteks?")


@pytest.mark.django_db
def test_csv_without_description_column_keeps_what_the_json_import_stored():
    run(SCHEME_JSON)
    before = Unit.objects.get(code=UNIT_A)

    output = run(UNITS_CSV)

    unit = Unit.objects.get(code=UNIT_A)
    assert unit.pk == before.pk and unit.description == before.description != ""
    assert unit.variables == before.variables
    assert "no change" in output


def test_unknown_columns_and_fields_are_reported_as_warnings():
    rows = [[*HEADER, "catatan"], [*csv_rows()[1], "lihat SK"]]
    assert "catatan" in parse_file("units.csv", csv_bytes(rows)).warnings[0]

    doc = scheme_doc()
    doc["unit_typo"] = 1
    parsed = parse_file("s.json", json.dumps(doc).encode())
    assert any("unit_typo" in warning for warning in parsed.warnings)


# Bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "row", "field", "fragment"),
    [
        ("missing-kuk-text.csv", 3, "criterion_text", "KUK text is missing."),
        (
            "duplicate-kuk-number.csv",
            3,
            "criterion_number",
            "KUK number 1.1 appears twice in element 1 of unit J.620100.004.02 (also row 2).",
        ),
        ("missing-columns.csv", 1, "element_title", "Required column is missing"),
        ("bad-encoding.csv", 2, "", "not UTF-8"),
        ("malformed.json", None, "line 7, column 3", "Malformed JSON"),
        ("kkni-without-level.json", None, "kkni_level", "needs its KKNI level"),
    ],
)
def test_bad_file_is_rejected_with_row_and_field(fixture, row, field, fragment):
    issues = issues_of(fixture, (FIXTURES / fixture).read_bytes())

    assert any(i.row == row and i.field == field and fragment in i.message for i in issues), [
        str(i) for i in issues
    ]


def test_missing_columns_are_all_listed():
    issues = issues_of("c.csv", (FIXTURES / "missing-columns.csv").read_bytes())

    assert {i.field for i in issues} == {"element_title", "criterion_text"}
    assert all(i.row == 1 for i in issues)


def test_every_error_in_a_file_is_reported_not_only_the_first():
    rows = [
        HEADER,
        [UNIT_A, "Menggunakan Struktur Data", "1", "Mengidentifikasi", "1.1", ""],
        [UNIT_A, "Judul lain", "1", "Mengidentifikasi", "1.2", "Teks."],
        [UNIT_A, "Menggunakan Struktur Data", "x", "Menerapkan", "2.1", "Teks."],
        [UNIT_A, "Menggunakan Struktur Data", "2", "Menerapkan", "1.3", "Teks."],
        ["", "", "", "", "", ""],
        [UNIT_B, "", "1", "", "1.1", "Teks."],
    ]

    issues = issues_of("units.csv", csv_bytes(rows))

    assert {(i.row, i.field) for i in issues} == {
        (2, "criterion_text"),
        (3, "unit_title"),
        (4, "element_number"),
        (5, "criterion_number"),
        (7, "unit_title"),
        (7, "element_title"),
    }
    assert "Unit title differs from row 2" in next(i.message for i in issues if i.row == 3)
    assert "does not belong to element 2" in next(i.message for i in issues if i.row == 5)


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (lambda d: d.pop("number"), "number", "Scheme number is missing."),
        (lambda d: d.update(type="profesi"), "type", "Unknown scheme type"),
        (lambda d: d.update(kkni_level=4), "kkni_level", "Only a scheme of type kkni"),
        (lambda d: d.update(validity_years=20), "validity_years", "from 1 to 10"),
        (lambda d: d.update(fee=-5), "fee", "Expected a whole amount"),
        (lambda d: d.update(ratified_on="17-08-2026"), "ratified_on", "YYYY-MM-DD"),
        (lambda d: d.update(groups=[]), "groups", "at least one group"),
        (
            lambda d: d["groups"][0]["units"].append(UNIT_A),
            "groups[0].units[2]",
            "already in groups[0].units[0]",
        ),
        (
            lambda d: d["units"].append(d["units"][0]),
            "units[2] (J.620100.004.02)",
            "appears twice in the file",
        ),
        (
            lambda d: d["units"][0]["elements"][0]["criteria"][1].update(text=" "),
            "units[0] (J.620100.004.02).elements[0].criteria[1].text",
            "KUK text is missing.",
        ),
        (
            lambda d: d["units"][0]["elements"][0]["criteria"][1].update(number="1.1"),
            "units[0] (J.620100.004.02).elements[0].criteria[1].number",
            "KUK number 1.1 appears twice in this element",
        ),
        (
            lambda d: d["units"][1]["elements"].append(d["units"][1]["elements"][0]),
            "units[1] (J.620100.005.02).elements[2].number",
            "Element number 1 appears twice",
        ),
        (
            lambda d: d["units"][1].update(standard_type="ISO"),
            "units[1] (J.620100.005.02).standard_type",
            "Unknown standard type",
        ),
        (
            lambda d: d["units"][1].update(elements=[]),
            "units[1] (J.620100.005.02).elements",
            "at least one element",
        ),
        (
            lambda d: d["units"][0].update(title="x" * 301),
            "units[0] (J.620100.004.02).title",
            "At most 300 characters",
        ),
    ],
)
def test_bad_json_field_is_named(mutate, field, fragment):
    doc = scheme_doc()
    mutate(doc)

    issues = issues_of("scheme.json", json.dumps(doc).encode())

    assert any(i.field == field and fragment in i.message for i in issues), [str(i) for i in issues]


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("units.csv", b"", "The file is empty."),
        ("units.csv", (",".join(HEADER) + "\n").encode(), "no data rows"),
        ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Old Excel files"),
        ("units.xlsx", b"PK\x03\x04 this is not a workbook", "not a readable XLSX file"),
        ("scheme.json", b'"just a string"', "must hold a JSON object"),
    ],
)
def test_unreadable_file_gets_a_clear_message(name, data, fragment):
    issues = issues_of(name, data)

    assert any(fragment in i.message for i in issues), [str(i) for i in issues]


def test_xlsx_errors_name_the_spreadsheet_row():
    rows = [
        HEADER,
        [UNIT_A, "Menggunakan Struktur Data", 1, "Elemen", "1.1", "Teks."],
        [UNIT_A, "Menggunakan Struktur Data", 1, "Elemen", "1.2", None],
    ]

    issues = issues_of("units.xlsx", xlsx_bytes(rows))

    assert [(i.row, i.field) for i in issues] == [(3, "criterion_text")]


@pytest.mark.django_db
def test_unknown_unit_in_a_group_is_rejected_at_planning():
    parsed = parse_file("s.json", (FIXTURES / "unknown-unit-in-group.json").read_bytes())

    with pytest.raises(ImportFileInvalid) as caught:
        plan_import(parsed)

    (issue,) = caught.value.issues
    assert issue.field == "groups[0].units[1]"
    assert "J.999999.999.99 is neither in this file's units nor in the unit library" in (
        issue.message
    )


@pytest.mark.django_db
def test_group_may_name_a_unit_already_in_the_library(tmp_path):
    library_unit = factories.make_unit(code="J.999999.999.99")

    run(FIXTURES / "unknown-unit-in-group.json")

    version = SchemeVersion.objects.get(scheme__number="SKM/TEST/UNKNOWN/2026")
    assert list(version.units())[1] == library_unit


@pytest.mark.django_db
@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.iterdir()))
def test_command_rejects_bad_file_listing_problems_and_writes_nothing(fixture):
    with pytest.raises(CommandError) as caught:
        run(FIXTURES / fixture)

    message = str(caught.value)
    assert "nothing was imported" in message
    assert "  - " in message
    assert counts() == EMPTY


@pytest.mark.django_db
def test_command_reports_each_problem_on_its_own_line(tmp_path):
    rows = [HEADER, [UNIT_A, "T", "1", "E", "1.1", ""], [UNIT_A, "T", "1", "E", "1.1", "X"]]
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))

    with pytest.raises(CommandError) as caught:
        run(path)

    lines = str(caught.value).splitlines()
    assert lines[0] == "bad.csv: 2 problem(s), nothing was imported:"
    assert lines[1] == "  - row 2, criterion_text: KUK text is missing."
    assert lines[2].startswith("  - row 3, criterion_number: KUK number 1.1 appears twice")


@pytest.mark.django_db
def test_command_rejects_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nothing.json")


# Idempotence -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_json_twice_changes_nothing():
    run(SCHEME_JSON)
    before = counts()
    version = SchemeVersion.objects.get()

    output = run(SCHEME_JSON)

    assert counts() == before
    assert SchemeVersion.objects.get().source_hash == version.source_hash
    assert "no change, already imported" in output
    assert "*" not in output


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_importing_the_same_units_twice_changes_nothing(tmp_path, kind):
    path = tmp_path / f"units.{kind}"
    path.write_bytes(UNITS_CSV.read_bytes() if kind == "csv" else xlsx_bytes(csv_rows()))
    run(path)
    before = counts()
    ids = list(Unit.objects.values_list("pk", "revision"))

    run(path)

    assert counts() == before
    assert list(Unit.objects.values_list("pk", "revision")) == ids


@pytest.mark.django_db
def test_whitespace_differences_are_no_change(tmp_path):
    run(UNITS_CSV)
    rows = csv_rows()
    rows[1][5] = (
        "  Konsep data dan  struktur data diidentifikasi sesuai dengan konteks\u00a0permasalahan. "
    )
    path = tmp_path / "spaces.csv"
    path.write_bytes(csv_bytes(rows))

    plan = plan_import(parse_file(path.name, path.read_bytes()))

    assert not plan.has_changes


@pytest.mark.django_db
def test_reimporting_the_published_scheme_is_a_no_op():
    run(SCHEME_JSON, "--publish")
    before = counts()

    output = run(SCHEME_JSON, "--publish")

    assert counts() == before
    assert "Scheme SKM/DEMO/JWP/2026 version 1 (published): no change." in output


# Versioning -------------------------------------------------------------------------------


def changed_doc() -> dict:
    doc = scheme_doc()
    doc["units"][0]["elements"][0]["criteria"][0]["text"] = (
        "Konsep data dan struktur data diidentifikasi sesuai konteks permasalahan bisnis."
    )
    return doc


@pytest.mark.django_db
def test_changed_scheme_after_publishing_becomes_a_new_draft_with_a_new_unit_revision(tmp_path):
    run(SCHEME_JSON, "--publish")
    v1 = SchemeVersion.objects.get()
    v1_units = list(v1.units())

    output = run(write_json(tmp_path, changed_doc()))

    v1.refresh_from_db()
    assert v1.status == SchemeVersion.Status.PUBLISHED
    assert list(v1.units()) == v1_units
    assert all(u.revision == 1 and u.is_frozen for u in v1.units())
    v2 = SchemeVersion.objects.get(version=2)
    assert v2.status == SchemeVersion.Status.DRAFT and v2.scheme_id == v1.scheme_id
    new_a, same_b = v2.units()
    assert (new_a.code, new_a.revision, new_a.is_frozen) == (UNIT_A, 2, False)
    assert new_a.elements.get(number=1).criteria.get(number="1.1").text.endswith("bisnis.")
    assert same_b == v1_units[1]
    old_text = v1_units[0].elements.get(number=1).criteria.get(number="1.1").text
    assert old_text.endswith("konteks permasalahan.")
    assert "Create revision 2 of unit J.620100.004.02 (changed: KUK 1.1)" in output
    assert "Create version 2 (draft) of scheme SKM/DEMO/JWP/2026 (changed: units)" in output
    assert [h.history_change_reason for h in v2.history.order_by("history_id")] == [
        "new draft from v1",
        "imported from scheme.json",
    ]


@pytest.mark.django_db
def test_reimporting_the_changed_scheme_leaves_the_new_draft_alone(tmp_path):
    run(SCHEME_JSON, "--publish")
    path = write_json(tmp_path, changed_doc())
    run(path)
    before = counts()

    output = run(path)

    assert counts() == before
    assert "Scheme SKM/DEMO/JWP/2026 version 2 (draft): no change." in output


@pytest.mark.django_db
def test_a_further_change_updates_the_existing_draft_and_its_unfrozen_revision(tmp_path):
    run(SCHEME_JSON, "--publish")
    run(write_json(tmp_path, changed_doc()))
    rev2 = Unit.objects.get(code=UNIT_A, revision=2)
    doc = changed_doc()
    doc["title"] = "Pemrograman Dasar (edisi 2)"
    doc["units"][0]["elements"][1]["criteria"].append({"number": "2.3", "text": "Diuji."})

    output = run(write_json(tmp_path, doc, "again.json"))

    assert SchemeVersion.objects.count() == 2
    v2 = SchemeVersion.objects.get(version=2)
    assert v2.title == "Pemrograman Dasar (edisi 2)"
    assert Unit.objects.filter(code=UNIT_A).count() == 2
    rev2.refresh_from_db()
    assert [c.number for c in rev2.elements.get(number=2).criteria.all()] == ["2.1", "2.2", "2.3"]
    assert "Update unit J.620100.004.02 revision 2 in place (changed: +KUK 2.3)" in output
    assert "Update draft version 2 of scheme SKM/DEMO/JWP/2026 (changed: title)" in output


@pytest.mark.django_db
def test_changed_scheme_fields_alone_make_a_new_draft_with_the_same_units(tmp_path):
    run(SCHEME_JSON, "--publish")
    doc = scheme_doc()
    doc.update(validity_years=5, fee=750000, kkni_level=None)

    run(write_json(tmp_path, doc))

    v1, v2 = SchemeVersion.objects.order_by("version")
    assert (v1.validity_years, v1.fee) == (3, 0)
    assert (v2.validity_years, v2.fee, v2.status) == (5, 750000, "draft")
    assert list(v2.units()) == list(v1.units())


@pytest.mark.django_db
def test_fields_the_file_omits_keep_their_value(tmp_path):
    run(SCHEME_JSON)
    SchemeVersion.objects.filter(version=1).update(fee=500000)

    output = run(SCHEME_JSON)

    assert SchemeVersion.objects.get().fee == 500000
    assert "no change" in output


@pytest.mark.django_db
def test_kkni_scheme_with_level_is_imported(tmp_path):
    doc = scheme_doc()
    doc.update(type="KKNI", kkni_level=2, ratified_on="2026-01-15", ratified_by="Komite Skema")

    run(write_json(tmp_path, doc))

    version = SchemeVersion.objects.get()
    assert (version.scheme_type, version.kkni_level) == ("kkni", 2)
    assert str(version.ratified_on) == "2026-01-15"


@pytest.mark.django_db
def test_apply_refuses_a_plan_made_stale_by_publishing_meanwhile(tmp_path):
    run(SCHEME_JSON)
    plan = plan_import(parse_file("c.json", json.dumps(changed_doc()).encode()))
    assert [c.kind for c in plan.changes] == [
        ChangeKind.UNIT_UPDATE,
        ChangeKind.UNIT_UNCHANGED,
        ChangeKind.SCHEME_UNCHANGED,
    ]
    scheme_version_publish(version_id=SchemeVersion.objects.get().pk, actor=None)
    before = counts()

    with pytest.raises(ImportPlanStale):
        apply_import(plan, actor=None)

    assert counts() == before


@pytest.mark.django_db
def test_dry_run_shows_the_plan_and_writes_nothing():
    output = run(SCHEME_JSON, "--dry-run")

    assert "Create unit J.620100.004.02 revision 1" in output
    assert "Dry run: nothing was written." in output
    assert counts() == EMPTY


@pytest.mark.django_db
def test_library_flag_imports_only_the_units_of_a_scheme_file():
    run(SCHEME_JSON, "--library")

    assert Scheme.objects.count() == 0
    assert Unit.objects.count() == 2


@pytest.mark.django_db
def test_publish_flag_is_refused_for_a_units_file():
    with pytest.raises(CommandError, match="--publish needs a scheme version"):
        run(UNITS_CSV, "--publish")
    assert counts() == EMPTY


# Into a chosen draft version --------------------------------------------------------------


@pytest.mark.django_db
def test_units_are_appended_to_a_draft_version_as_a_new_group():
    draft = draft_with_one_unit()

    output = run(UNITS_CSV, "--version-id", str(draft.pk), "--group-title", "Pemrograman")

    groups = list(draft.groups.order_by("position"))
    assert [g.title for g in groups] == ["Kelompok Pekerjaan 1", "Pemrograman"]
    assert [su.unit.code for su in groups[1].scheme_units.order_by("position")] == [UNIT_A, UNIT_B]
    assert 'Add group "Pemrograman" (units: 2) to version 1' in output

    before = counts()
    assert "no change" in run(UNITS_CSV, "--version-id", str(draft.pk))
    assert counts() == before


@pytest.mark.django_db
def test_default_group_title_numbers_the_group():
    draft = draft_with_one_unit()

    run(UNITS_CSV, "--version-id", str(draft.pk))

    assert draft.groups.order_by("position").last().title == "Work group 2"


@pytest.mark.django_db
def test_changed_unit_replaces_its_frozen_revision_inside_the_draft(tmp_path):
    run(SCHEME_JSON, "--publish")
    draft = scheme_version_new_draft(scheme_id=SchemeVersion.objects.get().scheme_id, actor=None)
    rows = csv_rows()
    rows[5][5] = "Rancangan user interface diidentifikasi sesuai kebutuhan pengguna."
    path = tmp_path / "changed.csv"
    path.write_bytes(csv_bytes(rows))

    output = run(path, "--version-id", str(draft.pk))

    assert [(u.code, u.revision) for u in draft.units()] == [(UNIT_A, 1), (UNIT_B, 2)]
    assert draft.groups.count() == 1
    assert "Use unit J.620100.005.02 revision 2 instead of revision 1 in version 2" in output


@pytest.mark.django_db
def test_import_into_a_published_version_is_refused_and_writes_nothing():
    published = factories.make_scheme_version(units=1)
    before = counts()

    with pytest.raises(CommandError) as caught:
        run(UNITS_CSV, "--version-id", str(published.pk))

    assert "is published and cannot change" in str(caught.value)
    assert counts() == before


@pytest.mark.django_db
def test_import_into_a_missing_version_is_refused():
    with pytest.raises(CommandError, match="Scheme version 999 does not exist"):
        run(UNITS_CSV, "--version-id", "999")


@pytest.mark.django_db
def test_changed_unit_of_a_draft_scheme_is_updated_in_place(tmp_path):
    run(SCHEME_JSON)
    unit = Unit.objects.get(code=UNIT_A)
    kuk_ids = set(Criterion.objects.filter(element__unit=unit).values_list("pk", flat=True))

    output = run(write_json(tmp_path, changed_doc()))

    assert Unit.objects.filter(code=UNIT_A).count() == 1
    assert SchemeVersion.objects.count() == 1
    criterion = Criterion.objects.get(element__unit=unit, number="1.1")
    assert criterion.text.endswith("bisnis.")
    assert set(Criterion.objects.filter(element__unit=unit).values_list("pk", flat=True)) == (
        kuk_ids
    )
    assert "Update unit J.620100.004.02 revision 1 in place (changed: KUK 1.1)" in output
    assert "Scheme SKM/DEMO/JWP/2026 version 1 (draft): no change." in output


@pytest.mark.django_db
def test_json_scheme_into_a_draft_version_appends_its_groups():
    draft = draft_with_one_unit()

    output = run(SCHEME_JSON, "--version-id", str(draft.pk))

    assert [g.title for g in draft.groups.order_by("position")] == [
        "Kelompok Pekerjaan 1",
        "Kelompok Pekerjaan 1: Pemrograman",
    ]
    assert [u.code for u in draft.units()] == ["T.000000.001.01", UNIT_A, UNIT_B]
    assert Scheme.objects.count() == 1
    assert "Add group" in output
