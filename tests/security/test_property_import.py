"""Property-based tests of the scheme/unit importer (schemes/importer.py): whatever the file
holds, parse -> plan -> apply either imports it or refuses it with messages, never raises
anything else, and a refused file writes nothing (the row counts of every scheme table are
unchanged). An imported file imported again changes nothing.

Each example runs inside a transaction that is rolled back, so examples do not see each
other's rows; the examples use the same database as the rest of the test."""

import contextlib
import copy
import csv
import io
import json

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemes.importer import (
    KNOWN_COLUMNS,
    REQUIRED_COLUMNS,
    ImportFileInvalid,
    apply_import,
    parse_file,
    plan_import,
)
from schemes.models import Criterion, Element, Scheme, SchemeUnit, SchemeVersion, Unit, UnitGroup

pytestmark = pytest.mark.django_db

MODELS = (Scheme, SchemeVersion, UnitGroup, SchemeUnit, Unit, Element, Criterion)
SAMPLE_SCHEME = json.loads(
    (django_settings.KOMPETEN_SEED_DATA_DIR / "scheme-junior-web-programmer.json").read_text()
)
PROPERTY = settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a spreadsheet cell or a JSON string may hold, the awkward cases made likely.
AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1.1",
        "1.01",
        "2.1",
        "01",
        "9" * 40,
        "1e309",
        "NaN",
        "null",
        "J.620100.004.02",
        "TIK.PR02.003.01",
        "SKKNI",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil.example")',
        "\x00",
        "\u202e",
        "a" * 600,
        "Dapatkah saya ...?",
        "\r\n",
        '"',
        ";",
    ]
)
CELL = st.one_of(AWKWARD, st.text(max_size=40))
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        CELL,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(CELL, children, max_size=4)
    ),
    max_leaves=12,
)


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """Run the body in a transaction that is always rolled back."""
    with contextlib.suppress(_Rollback), transaction.atomic():
        yield
        raise _Rollback


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def import_or_refuse(name: str, data: bytes, actor):
    """The outcome of importing ``data``: the result, or None when it was refused. Asserts the
    properties every outcome must have."""
    before = counts()
    try:
        parsed = parse_file(name, data)
        result = apply_import(plan_import(parsed), actor=actor)
    except ImportFileInvalid as refused:
        assert refused.issues, "a refusal names at least one problem"
        assert all(str(issue).strip() for issue in refused.issues)
        assert counts() == before, "a refused file wrote something"
        return None
    again = apply_import(plan_import(parse_file(name, data)), actor=actor)
    assert not again.changed, "importing the same file twice changed something"
    return result


@PROPERTY
@given(
    name=st.sampled_from(["units.csv", "units.json", "units.txt", "units.xlsx", "units"]),
    text=st.text(max_size=400),
)
def test_any_text_imports_or_is_refused_with_a_message(admin_user, name, text):
    with rolled_back():
        import_or_refuse(name, text.encode(), admin_user)


@PROPERTY
@given(data=st.binary(max_size=400))
def test_any_bytes_import_or_are_refused_with_a_message(admin_user, data):
    with rolled_back():
        import_or_refuse("units.csv", data, admin_user)


def csv_rows():
    """A near-valid unit table: the known columns in any order (some missing), rows of
    awkward cells, sometimes a valid unit."""
    row = st.fixed_dictionaries(
        {column: st.one_of(CELL, st.just(valid)) for column, valid in VALID_ROW.items()}
    )
    return st.tuples(
        st.lists(
            st.sampled_from(KNOWN_COLUMNS), min_size=1, max_size=len(KNOWN_COLUMNS), unique=True
        ),
        st.lists(row, min_size=0, max_size=6),
        st.sampled_from([",", ";", "\t"]),
    )


VALID_ROW = {
    "unit_code": "J.620100.099.01",
    "unit_title": "Menguji Keamanan Aplikasi",
    "element_number": "1",
    "element_title": "Menyiapkan pengujian",
    "criterion_number": "1.1",
    "criterion_text": "Lingkup pengujian ditetapkan",
    "unit_description": "Unit ini ...",
    "standard_type": "SKKNI",
    "unit_variables": "",
    "unit_assessment_guide": "",
    "element_question": "Dapatkah saya menyiapkan pengujian?",
    "question_text": "",
}


@PROPERTY
@given(table=csv_rows())
def test_a_near_valid_csv_imports_correctly_or_is_refused(admin_user, table):
    columns, rows, delimiter = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    with rolled_back():
        result = import_or_refuse("units.csv", buffer.getvalue().encode(), admin_user)
        if result is not None:
            assert set(REQUIRED_COLUMNS) <= set(columns)
            for code in result.unit_ids:
                assert Unit.objects.filter(code=code).exists()


def mutated_scheme():
    """The sample scheme with one to three values replaced by arbitrary JSON."""

    def paths(obj, prefix=()):
        yield prefix
        if isinstance(obj, dict):
            for key, value in obj.items():
                yield from paths(value, (*prefix, key))
        elif isinstance(obj, list):
            for index, value in enumerate(obj):
                yield from paths(value, (*prefix, index))

    all_paths = [p for p in paths(SAMPLE_SCHEME) if p]
    return st.lists(
        st.tuples(st.sampled_from(all_paths), JSON_VALUE | st.just("__delete__")),
        min_size=1,
        max_size=3,
    )


@PROPERTY
@given(mutations=mutated_scheme())
def test_a_near_valid_scheme_json_imports_correctly_or_is_refused(admin_user, mutations):
    document = copy.deepcopy(SAMPLE_SCHEME)
    for path, value in mutations:
        target = document
        try:
            for key in path[:-1]:
                target = target[key]
            if value == "__delete__":
                del target[path[-1]]
            else:
                target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    data = json.dumps(document, ensure_ascii=False).encode()
    with rolled_back():
        result = import_or_refuse("scheme.json", data, admin_user)
        if result is not None and result.version_id is not None:
            assert SchemeVersion.objects.filter(pk=result.version_id).exists()


def test_the_unchanged_sample_imports(admin_user):
    data = json.dumps(SAMPLE_SCHEME).encode()
    assert import_or_refuse("scheme.json", data, admin_user) is not None
    assert Scheme.objects.filter(number=SAMPLE_SCHEME["number"]).exists()
