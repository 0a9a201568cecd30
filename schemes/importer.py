"""Import units of competency and whole schemes from JSON, CSV or XLSX files.

Three steps, shared by ``manage.py import_scheme`` and the upload page:

1. ``parse_file(name, data)`` reads and validates the file without touching the database and
   returns a ``ParsedImport``. Every problem is collected with its row or field and raised together
   as ``ImportFileInvalid``: an admin fixes the whole file in one round, not one error per upload.
2. ``plan_import(parsed, ...)`` compares the file with the database and returns an ``ImportPlan``:
   the list of changes the import would make ("create unit X", "new revision of unit Y", "create
   version 2 (draft)", "no change"). It only reads. Problems that need the database (a group names
   a unit that exists nowhere, the target version is published) are raised the same way.
3. ``apply_import(plan, actor=...)`` plans again under row locks in one transaction, refuses when
   the result differs from the plan that was shown (someone published in between), then writes.

The rules (see docs/import.md): a file with any error imports nothing; importing the same file
again changes nothing; a published version and a frozen unit are never edited (a changed unit
becomes a new revision, a changed scheme a new draft version); a field the file does not mention
keeps its current value.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from schemes.models import Criterion, Element, Scheme, SchemeUnit, SchemeVersion, Unit, UnitGroup
from schemes.services import scheme_version_new_draft

REQUIRED_COLUMNS = (
    "unit_code",
    "unit_title",
    "element_number",
    "element_title",
    "criterion_number",
    "criterion_text",
)
OPTIONAL_COLUMNS = (
    "unit_description",
    "standard_type",
    "unit_variables",
    "unit_assessment_guide",
    "element_question",
    "question_text",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MULTILINE_COLUMNS = {"unit_variables", "unit_assessment_guide"}
# A spreadsheet of every SKKNI unit an LSP uses has a few thousand KUK rows; far more is a mistake
# (a whole column of formulas) and would only make the page slow.
MAX_ROWS = 20_000

SCHEME_KEYS = {
    "number",
    "title",
    "type",
    "kkni_level",
    "validity_years",
    "fee",
    "requirements",
    "required_documents",
    "ratified_by",
    "ratified_on",
    "groups",
    "units",
}
UNIT_KEYS = {
    "code",
    "title",
    "description",
    "standard_type",
    "variables",
    "assessment_guide",
    "elements",
}
ELEMENT_KEYS = {"number", "title", "question_text", "criteria"}
CRITERION_KEYS = {"number", "text", "question_text"}
GROUP_KEYS = {"title", "units"}

_STANDARD_TYPES = {
    "skkni": Unit.StandardType.SKKNI,
    "khusus": Unit.StandardType.SPECIAL,
    "standar khusus": Unit.StandardType.SPECIAL,
    "special": Unit.StandardType.SPECIAL,
    "internasional": Unit.StandardType.INTERNATIONAL,
    "standar internasional": Unit.StandardType.INTERNATIONAL,
    "international": Unit.StandardType.INTERNATIONAL,
}
_SCHEME_TYPES = {
    "kkni": SchemeVersion.Type.KKNI,
    "okupasi": SchemeVersion.Type.OKUPASI,
    "occupation": SchemeVersion.Type.OKUPASI,
    "klaster": SchemeVersion.Type.KLASTER,
    "cluster": SchemeVersion.Type.KLASTER,
}
_WHOLE_NUMBER = re.compile(r"^\d+(\.0+)?$")
_CRITERION_NUMBER = re.compile(r"^(\d+)(\.\d+)+$")


# --------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class ImportIssue:
    """One problem in a file: the message and where it is (a CSV/XLSX row and column, or a JSON
    path such as ``units[1].elements[0].criteria[2].text``)."""

    message: str
    row: int | None = None
    field: str = ""

    @property
    def location(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(_("row %(row)s") % {"row": self.row})
        if self.field:
            parts.append(self.field)
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ImportFileInvalid(Exception):  # noqa: N818 (reads better at the call sites than ...Error)
    """The file cannot be imported; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[ImportIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class ImportPlanStale(ImportFileInvalid):  # noqa: N818
    """The database changed between the preview and the confirmation."""


class _Issues:
    def __init__(self) -> None:
        self.items: list[ImportIssue] = []

    def add(self, message: str, *, row: int | None = None, field: str = "") -> None:
        self.items.append(ImportIssue(message=message, row=row, field=field))

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportFileInvalid(self.items)


# --------------------------------------------------------------------------------------------
# What a file holds, normalised


def _text(value: Any) -> str:
    """One line of text: trimmed, runs of whitespace (also non-breaking spaces copied from a PDF
    of the decree) collapsed, so that re-typed or re-exported text compares equal."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _lines(value: Any) -> str:
    """Multi-line text (batasan variabel, panduan penilaian): a list or newline-separated text,
    each line normalised like ``_text``, empty lines dropped."""
    items = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    return "\n".join(line for line in (_text(item) for item in items) if line)


def _digest(obj: Any) -> str:
    payload = json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class CriterionData:
    number: str
    text: str
    question_text: str | None = None  # None: the file does not say; keep the library's


@dataclass(frozen=True)
class ElementData:
    number: int
    title: str
    criteria: tuple[CriterionData, ...]
    question_text: str | None = None


@dataclass(frozen=True)
class UnitData:
    """A unit as a file describes it. Optional fields are None when the file does not mention
    them (a CSV without a unit_description column), so that importing it keeps the library's."""

    code: str
    title: str
    elements: tuple[ElementData, ...]
    description: str | None = None
    standard_type: str | None = None
    variables: str | None = None
    assessment_guide: str | None = None
    source: str = ""  # where the unit starts in the file, for messages

    @property
    def criteria_count(self) -> int:
        return sum(len(element.criteria) for element in self.elements)

    def merged(self, base: UnitData | None) -> UnitData:
        """This unit with every unmentioned field taken from ``base`` (or its default)."""

        def pick(value: str | None, fallback: str | None, default: str = "") -> str:
            if value is not None:
                return value
            return fallback if fallback is not None else default

        base_elements = {element.number: element for element in base.elements} if base else {}
        elements = []
        for element in self.elements:
            old = base_elements.get(element.number)
            old_criteria = {c.number: c for c in old.criteria} if old else {}
            criteria = tuple(
                replace(
                    c,
                    question_text=pick(
                        c.question_text,
                        old_criteria[c.number].question_text if c.number in old_criteria else None,
                    ),
                )
                for c in element.criteria
            )
            elements.append(
                replace(
                    element,
                    criteria=criteria,
                    question_text=pick(element.question_text, old.question_text if old else None),
                )
            )
        return replace(
            self,
            elements=tuple(elements),
            description=pick(self.description, base.description if base else None),
            standard_type=pick(
                self.standard_type, base.standard_type if base else None, Unit.StandardType.SKKNI
            ),
            variables=pick(self.variables, base.variables if base else None),
            assessment_guide=pick(self.assessment_guide, base.assessment_guide if base else None),
        )

    def content(self) -> dict[str, Any]:
        """What makes two revisions the same: everything but the code, revision and dates."""
        return {
            "title": self.title,
            "description": self.description or "",
            "standard_type": self.standard_type or Unit.StandardType.SKKNI,
            "variables": self.variables or "",
            "assessment_guide": self.assessment_guide or "",
            "elements": [
                [
                    e.number,
                    e.title,
                    e.question_text or "",
                    [[c.number, c.text, c.question_text or ""] for c in e.criteria],
                ]
                for e in self.elements
            ],
        }

    def fingerprint(self) -> str:
        return _digest(self.content())


def unit_snapshot(unit: Unit) -> UnitData:
    """A stored unit in the importer's shape (use with prefetch_related("elements__criteria"))."""
    return UnitData(
        code=unit.code,
        title=_text(unit.title),
        description=_text(unit.description),
        standard_type=unit.standard_type,
        variables=_lines(unit.variables),
        assessment_guide=_lines(unit.assessment_guide),
        elements=tuple(
            ElementData(
                number=element.number,
                title=_text(element.title),
                question_text=_text(element.question_text),
                criteria=tuple(
                    CriterionData(
                        number=c.number, text=_text(c.text), question_text=_text(c.question_text)
                    )
                    for c in element.criteria.all()
                ),
            )
            for element in element_list(unit)
        ),
    )


def element_list(unit: Unit) -> list[Element]:
    return sorted(unit.elements.all(), key=lambda element: element.number)


@dataclass(frozen=True)
class GroupData:
    title: str
    unit_codes: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class SchemeData:
    """The scheme part of a JSON file. Optional fields are None when the file omits them."""

    number: str
    title: str
    scheme_type: str
    kkni_level: int | None
    groups: tuple[GroupData, ...]
    validity_years: int | None = None
    fee: Decimal | None = None
    requirements: str | None = None
    required_documents: tuple[str, ...] | None = None
    ratified_by: str | None = None
    ratified_on: datetime.date | None = None
    ratified_on_given: bool = False  # ratified_on: null in the file clears the date


@dataclass(frozen=True)
class ParsedImport:
    """A valid file: its units (in file order) and, for a scheme file, the scheme."""

    filename: str
    file_format: str  # "json", "csv" or "xlsx"
    units: tuple[UnitData, ...]
    scheme: SchemeData | None
    sha256: str
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Step 1: parse and validate (no database)


def detect_format(name: str, data: bytes) -> str:
    """ "json", "csv", "xlsx" or "xls". The content wins where it is unambiguous (an XLSX saved
    with a .csv name is still a ZIP file); otherwise the extension decides, then the content."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    suffix = PurePath(name).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if start in {b"{", b"["} else "csv"


def parse_file(name: str, data: bytes) -> ParsedImport:
    """Read a scheme (JSON) or units (JSON, CSV, XLSX) file and validate it completely.

    Raises ``ImportFileInvalid`` listing every problem with its row/field; touches no database.
    """
    issues = _Issues()
    warnings: list[str] = []
    units: list[UnitData] = []
    scheme: SchemeData | None = None
    file_format = detect_format(name, data)
    if not data.strip():
        issues.add(_("The file is empty."))
    elif file_format == "xls":
        issues.add(
            _(
                "Old Excel files (.xls) cannot be read. Save the sheet as .xlsx (Excel "
                "Workbook) or as CSV UTF-8 and upload it again."
            )
        )
    elif file_format == "json":
        units, scheme = _parse_json(data, issues, warnings)
    else:
        table = _read_csv(data, issues) if file_format == "csv" else _read_xlsx(data, issues)
        if table is not None:
            header, rows = table
            units = _parse_table(header, rows, issues, warnings)
    issues.raise_if_any()
    return ParsedImport(
        filename=PurePath(name).name,
        file_format=file_format,
        units=tuple(units),
        scheme=scheme,
        sha256=hashlib.sha256(data).hexdigest(),
        warnings=tuple(warnings),
    )


def _decode(data: bytes, issues: _Issues) -> str | None:
    # Excel's "Unicode text" export is UTF-16 with a byte order mark; everything else must be
    # UTF-8 (utf-8-sig also accepts Excel's "CSV UTF-8", which starts with a BOM).
    if data[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        issues.add(
            _(
                "The file is not UTF-8 text: byte 0x%(byte)02x cannot be read. Save it as "
                '"CSV UTF-8" in Excel (or choose UTF-8 as the character set in LibreOffice) '
                "and upload it again."
            )
            % {"byte": data[exc.start]},
            row=line,
        )
        return None


# JSON ---------------------------------------------------------------------------------------


class _Json:
    """Typed reads from one JSON object, each problem recorded at its path."""

    def __init__(self, obj: dict, path: str, issues: _Issues, warnings: list[str], known: set[str]):
        self.obj, self.path, self.issues = obj, path, issues
        for key in obj:
            if key not in known:
                warnings.append(
                    _("Unknown field %(field)s was ignored.") % {"field": self.where(key)}
                )

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.obj

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        max_length: int | None = None,
        missing: str | None = None,
    ) -> str | None:
        value = self.obj.get(key)
        if value is None:
            if required:
                self.issues.add(missing or _("This field is required."), field=self.where(key))
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.issues.add(_("Expected text."), field=self.where(key))
            return None
        text = _text(value)
        if required and not text:
            self.issues.add(missing or _("This field must not be empty."), field=self.where(key))
            return None
        if max_length is not None and len(text) > max_length:
            self.issues.add(
                _("At most %(max)s characters are allowed (this has %(length)s).")
                % {"max": max_length, "length": len(text)},
                field=self.where(key),
            )
            return None
        return text

    def lines(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            return _lines(value)
        self.issues.add(_("Expected text or a list of texts."), field=self.where(key))
        return None

    def integer(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int = 1,
        maximum: int = 32767,
        missing: str | None = None,
    ) -> int | None:
        value = self.obj.get(key)
        if value is None:
            if required:
                self.issues.add(missing or _("This field is required."), field=self.where(key))
            return None
        number = _whole_number(value)
        if number is None or not minimum <= number <= maximum:
            self.issues.add(
                _("Expected a whole number from %(min)s to %(max)s, not %(value)s.")
                % {"min": minimum, "max": maximum, "value": json.dumps(value)},
                field=self.where(key),
            )
            return None
        return number

    def items(self, key: str, *, required: bool = True, missing: str | None = None) -> list:
        value = self.obj.get(key)
        if value is None:
            if required:
                self.issues.add(missing or _("This field is required."), field=self.where(key))
            return []
        if not isinstance(value, list):
            self.issues.add(_("Expected a list."), field=self.where(key))
            return []
        if required and not value:
            self.issues.add(missing or _("The list must not be empty."), field=self.where(key))
        return value


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.match(value.strip()):
        return int(value.strip().split(".")[0])
    return None


def _parse_json(
    data: bytes, issues: _Issues, warnings: list[str]
) -> tuple[list[UnitData], SchemeData | None]:
    text = _decode(data, issues)
    if text is None:
        return [], None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        issues.add(
            _("Malformed JSON: %(error)s.") % {"error": exc.msg},
            field=_("line %(line)s, column %(column)s") % {"line": exc.lineno, "column": exc.colno},
        )
        return [], None
    if isinstance(doc, list):
        # A bare list of unit objects is a units file.
        doc = {"units": doc}
    if not isinstance(doc, dict):
        issues.add(_("The file must hold a JSON object (a scheme) or a list of units."))
        return [], None
    is_scheme = any(key in doc for key in SCHEME_KEYS - {"units"})
    top = _Json(doc, "", issues, warnings, SCHEME_KEYS if is_scheme else {"units"})
    units = _json_units(top, issues, warnings, required=not is_scheme)
    scheme = _json_scheme(top, issues, warnings) if is_scheme else None
    if scheme is not None:
        placed = {code for group in scheme.groups for code in group.unit_codes}
        for unit in units:
            if unit.code not in placed:
                warnings.append(
                    _("Unit %(code)s is in no group: it goes into the unit library only.")
                    % {"code": unit.code}
                )
    return units, scheme


def _json_units(
    top: _Json, issues: _Issues, warnings: list[str], *, required: bool
) -> list[UnitData]:
    units: list[UnitData] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(top.items("units", required=required)):
        path = f"units[{index}]"
        if not isinstance(raw, dict):
            issues.add(_("Expected an object with code, title and elements."), field=path)
            continue
        code = _text(raw.get("code")) if isinstance(raw.get("code"), str) else ""
        if code:
            path = f"{path} ({code})"
        unit = _json_unit(_Json(raw, path, issues, warnings, UNIT_KEYS), issues, warnings)
        if unit is None:
            continue
        if unit.code in seen:
            issues.add(
                _("Unit %(code)s appears twice in the file (also %(other)s).")
                % {"code": unit.code, "other": seen[unit.code]},
                field=path,
            )
            continue
        seen[unit.code] = path
        units.append(unit)
    return units


def _json_unit(obj: _Json, issues: _Issues, warnings: list[str]) -> UnitData | None:
    before = len(issues.items)
    code = obj.text("code", required=True, max_length=64, missing=_("Unit code is missing."))
    title = obj.text("title", required=True, max_length=300, missing=_("Unit title is missing."))
    description = obj.text("description")
    standard_type = _standard_type(
        obj.text("standard_type"), issues, field=obj.where("standard_type")
    )
    variables = obj.lines("variables")
    guide = obj.lines("assessment_guide")
    elements: list[ElementData] = []
    numbers: dict[int, str] = {}
    raw_elements = obj.items("elements", missing=_("A unit needs at least one element."))
    for index, raw in enumerate(raw_elements):
        path = f"{obj.path}.elements[{index}]"
        if not isinstance(raw, dict):
            issues.add(_("Expected an object with number, title and criteria."), field=path)
            continue
        element = _json_element(_Json(raw, path, issues, warnings, ELEMENT_KEYS), issues, warnings)
        if element is None:
            continue
        if element.number in numbers:
            issues.add(
                _("Element number %(number)s appears twice in this unit (also %(other)s).")
                % {"number": element.number, "other": numbers[element.number]},
                field=f"{path}.number",
            )
            continue
        numbers[element.number] = path
        elements.append(element)
    if len(issues.items) > before or code is None or title is None:
        return None
    return UnitData(
        code=code,
        title=title,
        description=description,
        standard_type=standard_type,
        variables=variables,
        assessment_guide=guide,
        elements=tuple(sorted(elements, key=lambda e: e.number)),
        source=obj.path,
    )


def _json_element(obj: _Json, issues: _Issues, warnings: list[str]) -> ElementData | None:
    before = len(issues.items)
    number = obj.integer("number", required=True, missing=_("Element number is missing."))
    title = obj.text("title", required=True, max_length=500, missing=_("Element title is missing."))
    question = obj.text("question_text", max_length=500)
    criteria: list[CriterionData] = []
    seen: dict[str, str] = {}
    raw_criteria = obj.items("criteria", missing=_("An element needs at least one KUK."))
    for index, raw in enumerate(raw_criteria):
        path = f"{obj.path}.criteria[{index}]"
        if not isinstance(raw, dict):
            issues.add(_("Expected an object with number and text."), field=path)
            continue
        crit = _Json(raw, path, issues, warnings, CRITERION_KEYS)
        c_number = crit.text(
            "number", required=True, max_length=16, missing=_("KUK number is missing.")
        )
        c_text = crit.text("text", required=True, missing=_("KUK text is missing."))
        c_question = crit.text("question_text", max_length=500)
        if c_number is None or c_text is None:
            continue
        if number is not None and not _criterion_belongs(c_number, number):
            issues.add(_criterion_number_message(c_number, number), field=f"{path}.number")
            continue
        if c_number in seen:
            issues.add(
                _("KUK number %(number)s appears twice in this element (also %(other)s).")
                % {"number": c_number, "other": seen[c_number]},
                field=f"{path}.number",
            )
            continue
        seen[c_number] = path
        criteria.append(CriterionData(number=c_number, text=c_text, question_text=c_question))
    if len(issues.items) > before or number is None or title is None:
        return None
    return ElementData(number=number, title=title, question_text=question, criteria=tuple(criteria))


def _json_scheme(top: _Json, issues: _Issues, warnings: list[str]) -> SchemeData | None:
    before = len(issues.items)
    number = top.text(
        "number", required=True, max_length=100, missing=_("Scheme number is missing.")
    )
    title = top.text("title", required=True, max_length=300, missing=_("Scheme title is missing."))
    raw_type = top.text("type", required=True, missing=_("Scheme type is missing."))
    scheme_type = None
    if raw_type is not None:
        scheme_type = _SCHEME_TYPES.get(raw_type.lower())
        if scheme_type is None:
            issues.add(
                _("Unknown scheme type %(value)s: use kkni, okupasi or klaster.")
                % {"value": json.dumps(raw_type)},
                field="type",
            )
    kkni_level = None
    if scheme_type == SchemeVersion.Type.KKNI:
        kkni_level = top.integer(
            "kkni_level",
            required=True,
            minimum=1,
            maximum=9,
            missing=_("A scheme of type kkni needs its KKNI level (1-9)."),
        )
    elif scheme_type is not None and top.obj.get("kkni_level") is not None:
        issues.add(
            _("Only a scheme of type kkni has a KKNI level; leave it null for %(type)s.")
            % {"type": scheme_type},
            field="kkni_level",
        )
    validity = top.integer("validity_years", minimum=1, maximum=10)
    fee = _fee(top.obj.get("fee"), issues) if top.has("fee") else None
    requirements = top.lines("requirements")
    documents = None
    if top.has("required_documents"):
        raw_documents = top.items("required_documents", required=False)
        if all(isinstance(item, str) and item.strip() for item in raw_documents):
            documents = tuple(_text(item) for item in raw_documents)
        else:
            issues.add(_("Expected a list of document codes."), field="required_documents")
    ratified_by = top.text("ratified_by", max_length=200)
    ratified_on = None
    if top.obj.get("ratified_on") is not None:
        try:
            ratified_on = datetime.date.fromisoformat(str(top.obj["ratified_on"]))
        except ValueError:
            issues.add(_("Expected a date as YYYY-MM-DD."), field="ratified_on")
    groups = _json_groups(top, issues, warnings)
    if len(issues.items) > before:
        return None
    return SchemeData(
        number=number,
        title=title,
        scheme_type=scheme_type,
        kkni_level=kkni_level,
        groups=groups,
        validity_years=validity,
        fee=fee,
        requirements=requirements,
        required_documents=documents,
        ratified_by=ratified_by,
        ratified_on=ratified_on,
        ratified_on_given=top.has("ratified_on"),
    )


def _fee(value: Any, issues: _Issues) -> Decimal | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        fee = Decimal(str(value).strip().replace("_", ""))
    except InvalidOperation:
        fee = None
    if (
        fee is None
        or not fee.is_finite()
        or fee < 0
        or fee != fee.to_integral_value()
        or len(str(int(fee))) > 12
    ):
        issues.add(_("Expected a whole amount in rupiah, 0 or more."), field="fee")
        return None
    return fee.quantize(Decimal(1))


def _json_groups(top: _Json, issues: _Issues, warnings: list[str]) -> tuple[GroupData, ...]:
    groups: list[GroupData] = []
    placed: dict[str, str] = {}
    for index, raw in enumerate(
        top.items(
            "groups", missing=_("A scheme needs at least one group (kelompok pekerjaan) of units.")
        )
    ):
        path = f"groups[{index}]"
        if not isinstance(raw, dict):
            issues.add(_("Expected an object with title and units."), field=path)
            continue
        obj = _Json(raw, path, issues, warnings, GROUP_KEYS)
        title = obj.text(
            "title", required=True, max_length=300, missing=_("Group title is missing.")
        )
        codes: list[str] = []
        for position, code in enumerate(
            obj.items("units", missing=_("A group needs at least one unit code."))
        ):
            where = f"{path}.units[{position}]"
            if not isinstance(code, str) or not code.strip():
                issues.add(_("Expected a unit code."), field=where)
                continue
            code = _text(code)
            if code in placed:
                issues.add(
                    _("Unit %(code)s is already in %(other)s; a unit appears once in a scheme.")
                    % {"code": code, "other": placed[code]},
                    field=where,
                )
                continue
            placed[code] = where
            codes.append(code)
        if title is not None:
            groups.append(GroupData(title=title, unit_codes=tuple(codes), source=path))
    return tuple(groups)


def _standard_type(
    value: str | None, issues: _Issues, *, row: int | None = None, field: str = "standard_type"
) -> str | None:
    if not value:
        return None
    standard_type = _STANDARD_TYPES.get(value.lower())
    if standard_type is None:
        issues.add(
            _(
                "Unknown standard type %(value)s: use SKKNI, Standar Khusus or Standar "
                "Internasional."
            )
            % {"value": json.dumps(value)},
            row=row,
            field=field,
        )
    return standard_type


def _criterion_belongs(number: str, element_number: int) -> bool:
    match = _CRITERION_NUMBER.match(number)
    return bool(match) and int(match.group(1)) == element_number


def _criterion_number_message(number: str, element_number: int) -> str:
    return _(
        "KUK number %(number)s does not belong to element %(element)s: KUK of element "
        "%(element)s are numbered %(element)s.1, %(element)s.2, ..."
    ) % {"number": number, "element": element_number}


# CSV and XLSX -------------------------------------------------------------------------------

Rows = Iterator[tuple[int, list[Any]]]


def _read_csv(data: bytes, issues: _Issues) -> tuple[list[str], Rows] | None:
    text = _decode(data, issues)
    if text is None:
        return None
    first_line = text.split("\n", 1)[0]
    # Excel in an Indonesian locale saves "CSV" with semicolons; a tab means a TSV export.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        issues.add(_("The CSV file cannot be read: %(error)s.") % {"error": exc})
        return None
    if not records:
        issues.add(_("The file is empty."))
        return None
    return records[0], iter(enumerate(records[1:], start=2))


def _read_xlsx(data: bytes, issues: _Issues) -> tuple[list[str], Rows] | None:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a damaged file
        issues.add(
            _("This is not a readable XLSX file (%(error)s).") % {"error": exc.__class__.__name__}
        )
        return None
    try:
        # The first sheet holds the units; others (notes, lookups) are ignored.
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows:
        issues.add(_("The first sheet of the workbook is empty."))
        return None
    return [_cell(value) for value in rows[0]], iter(enumerate(rows[1:], start=2))


def _cell(value: Any) -> str:
    """A spreadsheet cell as text, line breaks kept: 1.0 (a number in an Excel cell) is "1"."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, "g")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _column_name(header: Any) -> str:
    return re.sub(r"[\s-]+", "_", _cell(header).lower())


@dataclass
class _ElementRows:
    number: int
    first_row: int
    title: str = ""
    title_row: int = 0
    question: str | None = None
    criteria: list[CriterionData] = field(default_factory=list)
    criterion_rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _UnitRows:
    code: str
    first_row: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    elements: dict[int, _ElementRows] = field(default_factory=dict)


def _agree(
    values: dict[str, tuple[str, int]], name: str, value: str, row: int, issues: _Issues, what: str
) -> None:
    """Unit- and element-level cells repeat on every KUK row; they must say the same thing.
    A blank cell (a merged cell in the spreadsheet) repeats the value above."""
    if not value:
        return
    if name not in values:
        values[name] = (value, row)
    elif values[name][0] != value:
        issues.add(
            _('%(what)s differs from row %(row)s ("%(value)s").')
            % {"what": what, "row": values[name][1], "value": values[name][0]},
            row=row,
            field=name,
        )


def _parse_table(
    header: list[Any], rows: Rows, issues: _Issues, warnings: list[str]
) -> list[UnitData]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _column_name(raw)
        if not name:
            continue
        if name in columns:
            issues.add(_("This column appears twice in the header."), row=1, field=name)
        columns.setdefault(name, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    for name in missing:
        issues.add(
            _("Required column is missing (the header row needs: %(columns)s).")
            % {"columns": ", ".join(REQUIRED_COLUMNS)},
            row=1,
            field=name,
        )
    unknown = [name for name in columns if name not in KNOWN_COLUMNS]
    if unknown:
        warnings.append(
            _("Unknown columns were ignored: %(columns)s.") % {"columns": ", ".join(unknown)}
        )
    if missing:
        return []

    units: dict[str, _UnitRows] = {}
    previous: tuple[str, int | None] = ("", None)
    seen_rows = 0
    for row_number, cells in rows:

        def cell(name: str, cells: list[Any] = cells) -> str:
            index = columns.get(name)
            raw = _cell(cells[index]) if index is not None and index < len(cells) else ""
            return _lines(raw) if name in MULTILINE_COLUMNS else _text(raw)

        values = {name: cell(name) for name in KNOWN_COLUMNS if name in columns}
        if not any(values.values()):
            continue  # spreadsheets end with blank rows
        seen_rows += 1
        if seen_rows > MAX_ROWS:
            issues.add(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": MAX_ROWS},
                row=row_number,
            )
            break
        code = values["unit_code"] or previous[0]
        if not code:
            issues.add(_("Unit code is missing."), row=row_number, field="unit_code")
            continue
        if len(code) > 64:
            issues.add(
                _("At most %(max)s characters are allowed (this has %(length)s).")
                % {"max": 64, "length": len(code)},
                row=row_number,
                field="unit_code",
            )
            continue
        unit = units.get(code)
        if unit is None:
            unit = units[code] = _UnitRows(code=code, first_row=row_number)
        for name, what in (
            ("unit_title", _("Unit title")),
            ("unit_description", _("Unit description")),
            ("standard_type", _("Standard type")),
            ("unit_variables", _("Range of variables")),
            ("unit_assessment_guide", _("Assessment guide")),
        ):
            if name in values:
                _agree(unit.values, name, values[name], row_number, issues, what)

        raw_element = values["element_number"]
        if raw_element:
            element_number = _whole_number(raw_element)
            if element_number is None or not 1 <= element_number <= 32767:
                issues.add(
                    _('Element number must be a whole number from 1, not "%(value)s".')
                    % {"value": raw_element},
                    row=row_number,
                    field="element_number",
                )
                previous = (code, None)
                continue
        elif previous[0] == code and previous[1] is not None:
            element_number = previous[1]
        else:
            issues.add(_("Element number is missing."), row=row_number, field="element_number")
            continue
        previous = (code, element_number)
        element = unit.elements.get(element_number)
        if element is None:
            element = unit.elements[element_number] = _ElementRows(element_number, row_number)
        title = values["element_title"]
        if title and not element.title:
            element.title, element.title_row = title, row_number
        elif title and title != element.title:
            issues.add(
                _('Element title differs from row %(row)s ("%(value)s").')
                % {"row": element.title_row, "value": element.title},
                row=row_number,
                field="element_title",
            )
        if "element_question" in values:
            question = values["element_question"]
            if element.question and question and question != element.question:
                issues.add(
                    _('Element question differs from an earlier row ("%(value)s").')
                    % {"value": element.question},
                    row=row_number,
                    field="element_question",
                )
            element.question = element.question or question

        number, text = values["criterion_number"], values["criterion_text"]
        question_text = values.get("question_text")
        row_ok = True
        if not number:
            issues.add(_("KUK number is missing."), row=row_number, field="criterion_number")
            row_ok = False
        elif len(number) > 16:
            issues.add(
                _("At most %(max)s characters are allowed (this has %(length)s).")
                % {"max": 16, "length": len(number)},
                row=row_number,
                field="criterion_number",
            )
            row_ok = False
        elif not _criterion_belongs(number, element_number):
            issues.add(
                _criterion_number_message(number, element_number),
                row=row_number,
                field="criterion_number",
            )
            row_ok = False
        elif number in element.criterion_rows:
            issues.add(
                _(
                    "KUK number %(number)s appears twice in element %(element)s of unit "
                    "%(code)s (also row %(row)s)."
                )
                % {
                    "number": number,
                    "element": element_number,
                    "code": code,
                    "row": element.criterion_rows[number],
                },
                row=row_number,
                field="criterion_number",
            )
            row_ok = False
        if row_ok:
            # Registered even when the text is missing, so a repeated number is reported too.
            element.criterion_rows[number] = row_number
        if not text:
            issues.add(_("KUK text is missing."), row=row_number, field="criterion_text")
            row_ok = False
        for name, value in (
            ("element_question", values.get("element_question")),
            ("question_text", question_text),
        ):
            if value and len(value) > 500:
                issues.add(
                    _("At most %(max)s characters are allowed (this has %(length)s).")
                    % {"max": 500, "length": len(value)},
                    row=row_number,
                    field=name,
                )
                row_ok = False
        if row_ok:
            element.criteria.append(
                CriterionData(number=number, text=text, question_text=question_text)
            )

    if not units and not issues.items:
        issues.add(_("The file has a header but no data rows."))
    return [_unit_from_rows(unit, columns, issues) for unit in units.values()]


def _unit_from_rows(unit: _UnitRows, columns: dict[str, int], issues: _Issues) -> UnitData:
    def value(name: str) -> str | None:
        # A column the file has, left blank, clears the field; a column it lacks keeps it.
        if name not in columns:
            return None
        return unit.values.get(name, ("", 0))[0]

    title = value("unit_title") or ""
    if not title:
        issues.add(
            _("Unit title is missing for unit %(code)s.") % {"code": unit.code},
            row=unit.first_row,
            field="unit_title",
        )
    elif len(title) > 300:
        issues.add(
            _("At most %(max)s characters are allowed (this has %(length)s).")
            % {"max": 300, "length": len(title)},
            row=unit.values["unit_title"][1],
            field="unit_title",
        )
    standard_type = None
    if unit.values.get("standard_type"):
        raw, row = unit.values["standard_type"]
        standard_type = _standard_type(raw, issues, row=row)
    elements = []
    for element in sorted(unit.elements.values(), key=lambda e: e.number):
        if not element.title:
            issues.add(
                _("Element title is missing for element %(number)s of unit %(code)s.")
                % {"number": element.number, "code": unit.code},
                row=element.first_row,
                field="element_title",
            )
        elif len(element.title) > 500:
            issues.add(
                _("At most %(max)s characters are allowed (this has %(length)s).")
                % {"max": 500, "length": len(element.title)},
                row=element.title_row,
                field="element_title",
            )
        elements.append(
            ElementData(
                number=element.number,
                title=element.title,
                question_text=element.question,
                criteria=tuple(element.criteria),
            )
        )
    return UnitData(
        code=unit.code,
        title=title,
        elements=tuple(elements),
        description=value("unit_description"),
        standard_type=standard_type,
        variables=value("unit_variables"),
        assessment_guide=value("unit_assessment_guide"),
        source=_("row %(row)s") % {"row": unit.first_row},
    )


# --------------------------------------------------------------------------------------------
# Step 2: plan (reads the database, writes nothing)


class ChangeKind(StrEnum):
    UNIT_CREATE = "unit_create"
    UNIT_NEW_REVISION = "unit_new_revision"
    UNIT_UPDATE = "unit_update"
    UNIT_UNCHANGED = "unit_unchanged"
    UNIT_FROM_LIBRARY = "unit_from_library"
    SCHEME_CREATE = "scheme_create"
    SCHEME_NEW_DRAFT = "scheme_new_draft"
    SCHEME_UPDATE_DRAFT = "scheme_update_draft"
    SCHEME_UNCHANGED = "scheme_unchanged"
    VERSION_ADD_GROUP = "version_add_group"
    VERSION_REPLACE_UNIT = "version_replace_unit"
    VERSION_UNCHANGED = "version_unchanged"


_NO_CHANGE = {
    ChangeKind.UNIT_UNCHANGED,
    ChangeKind.UNIT_FROM_LIBRARY,
    ChangeKind.SCHEME_UNCHANGED,
    ChangeKind.VERSION_UNCHANGED,
}


def _status_label(status: str) -> str:
    return str(SchemeVersion.Status(status).label).lower()


@dataclass(frozen=True)
class Change:
    """One line of the plan. The message is built when shown, in the reader's language."""

    kind: ChangeKind
    subject: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def is_change(self) -> bool:
        return self.kind not in _NO_CHANGE

    @property
    def message(self) -> str:
        p = dict(self.params)
        if "status" in p:
            p["status"] = _status_label(p["status"])
        templates = {
            ChangeKind.UNIT_CREATE: _(
                "Create unit %(code)s revision %(revision)s (elements: %(elements)s, KUK: "
                "%(criteria)s)."
            ),
            ChangeKind.UNIT_NEW_REVISION: _(
                "Create revision %(revision)s of unit %(code)s (changed: %(diff)s); revision "
                "%(old)s is used by a published version and stays as it is."
            ),
            ChangeKind.UNIT_UPDATE: _(
                "Update unit %(code)s revision %(revision)s in place (changed: %(diff)s); no "
                "published version uses it yet."
            ),
            ChangeKind.UNIT_UNCHANGED: _("Unit %(code)s revision %(revision)s: no change."),
            ChangeKind.UNIT_FROM_LIBRARY: _(
                "Unit %(code)s revision %(revision)s is taken from the unit library: no change."
            ),
            ChangeKind.SCHEME_CREATE: _(
                "Create scheme %(number)s with version 1 (draft) (groups: %(groups)s, units: "
                "%(units)s)."
            ),
            ChangeKind.SCHEME_NEW_DRAFT: _(
                "Create version %(version)s (draft) of scheme %(number)s (changed: %(diff)s); "
                "version %(current)s stays %(status)s."
            ),
            ChangeKind.SCHEME_UPDATE_DRAFT: _(
                "Update draft version %(version)s of scheme %(number)s (changed: %(diff)s)."
            ),
            ChangeKind.SCHEME_UNCHANGED: _(
                "Scheme %(number)s version %(version)s (%(status)s): no change."
            ),
            ChangeKind.VERSION_ADD_GROUP: _(
                'Add group "%(title)s" (units: %(count)s) to version %(version)s of %(number)s.'
            ),
            ChangeKind.VERSION_REPLACE_UNIT: _(
                "Use unit %(code)s revision %(revision)s instead of revision %(old)s in version "
                "%(version)s of %(number)s."
            ),
            ChangeKind.VERSION_UNCHANGED: _(
                "Version %(version)s of %(number)s already holds these units: no change."
            ),
        }
        return templates[self.kind] % p


# A unit's identity inside a version being planned: an existing row, or one the import creates.
UnitKey = tuple[str, int | str]


@dataclass(frozen=True)
class UnitStep:
    data: UnitData  # merged with the library: what the unit will hold
    kind: ChangeKind
    revision: int
    unit_id: int | None  # the existing row used or updated; None when created
    diff: str = ""  # what differs from the revision it was compared with

    @property
    def key(self) -> UnitKey:
        return ("id", self.unit_id) if self.unit_id is not None else ("new", self.data.code)


@dataclass(frozen=True)
class SchemeStep:
    kind: ChangeKind
    number: str
    scheme_id: int | None
    version_id: int | None  # the draft to update, or the current version when unchanged
    fields: dict[str, Any]
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    fingerprint: str


@dataclass(frozen=True)
class AppendStep:
    version_id: int
    replace: tuple[tuple[int, str], ...]  # (scheme unit id, unit code)
    new_groups: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class ImportPlan:
    parsed: ParsedImport
    mode: str  # "scheme", "library" or "version"
    library_only: bool
    target_version_id: int | None
    group_title: str
    units: tuple[UnitStep, ...]
    references: dict[str, tuple[int, int]]  # library units named by a group: code -> (id, rev)
    scheme: SchemeStep | None
    append: AppendStep | None
    changes: tuple[Change, ...]
    warnings: tuple[str, ...]

    @property
    def has_changes(self) -> bool:
        return any(change.is_change for change in self.changes)

    @property
    def digest(self) -> str:
        """Identifies what this plan would write, whatever the reader's language: the
        confirmation must match the preview's."""
        return _digest(
            {
                "file": self.parsed.sha256,
                "mode": self.mode,
                "target": self.target_version_id,
                "group_title": self.group_title,
                "units": [
                    [u.kind, u.data.code, u.revision, u.unit_id, u.data.fingerprint()]
                    for u in self.units
                ],
                "references": sorted(self.references.items()),
                "scheme": [
                    self.scheme.kind,
                    self.scheme.scheme_id,
                    self.scheme.version_id,
                    self.scheme.fingerprint,
                ]
                if self.scheme
                else None,
                "append": [self.append.version_id, self.append.replace, self.append.new_groups]
                if self.append
                else None,
                "changes": [
                    [c.kind, c.subject, [p for p in c.params if p[0] != "diff"]]
                    for c in self.changes
                ],
            }
        )

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for change in self.changes:
            result[change.kind] = result.get(change.kind, 0) + 1
        return result


_VERSION_FIELDS = (
    "title",
    "scheme_type",
    "kkni_level",
    "validity_years",
    "fee",
    "requirements",
    "required_documents",
    "ratified_by",
    "ratified_on",
)


def plan_import(
    parsed: ParsedImport,
    *,
    target_version: SchemeVersion | int | None = None,
    library_only: bool = False,
    group_title: str = "",
    lock: bool = False,
) -> ImportPlan:
    """What importing ``parsed`` would change.

    Without a target: a scheme file creates or updates its scheme (a new draft version when the
    current one is published); a units file (CSV, XLSX, JSON list) and ``library_only`` update the
    unit library only. With ``target_version`` (a draft), the file's units go into that version:
    units it already holds are brought up to date, the others appended as a new group.
    ``lock`` takes row locks (apply_import uses it inside its transaction).

    Raises ``ImportFileInvalid`` for problems that need the database (unknown units, a target
    version that is not a draft).
    """
    if target_version is not None and library_only:
        raise ValueError("Choose a target version or the library, not both.")
    issues = _Issues()
    warnings = list(parsed.warnings)
    target_id = target_version.pk if isinstance(target_version, SchemeVersion) else target_version
    if target_id is not None:
        mode = "version"
    elif library_only or parsed.scheme is None:
        mode = "library"
    else:
        mode = "scheme"
    if mode != "scheme" and parsed.scheme is not None:
        warnings.append(
            _(
                "The scheme fields of %(file)s (number, title, type, requirements) "
                "are ignored: only its units are imported."
            )
            % {"file": parsed.filename}
        )

    versions = SchemeVersion.objects.select_related("scheme")
    units_qs = Unit.objects.all()
    if lock:
        versions = versions.select_for_update(of=("self",))
        units_qs = units_qs.select_for_update()

    # The version whose unit revisions count as "in use": the scheme's draft or published
    # version, or the target. A file unit matching the revision in use is no change.
    scheme = current = None
    in_use: dict[str, SchemeUnit] = {}
    if mode == "scheme":
        scheme = Scheme.objects.filter(number=parsed.scheme.number).first()
        if scheme is not None:
            scheme_versions = list(versions.filter(scheme=scheme).order_by("-version"))
            current = next((v for v in scheme_versions if v.status == "draft"), None) or next(
                (v for v in scheme_versions if v.status == "published"), None
            )
    elif mode == "version":
        current = versions.filter(pk=target_id).first()
        if current is None:
            issues.add(
                _("Scheme version %(id)s does not exist.") % {"id": target_id}, field="version"
            )
        elif current.status != SchemeVersion.Status.DRAFT:
            issues.add(
                _(
                    "Version %(version)s of %(number)s is %(status)s and cannot change; "
                    "units can only be imported into a draft version."
                )
                % {
                    "version": current.version,
                    "number": current.scheme.number,
                    "status": _status_label(current.status),
                },
                field="version",
            )
        issues.raise_if_any()
    if current is not None:
        in_use = {
            su.unit.code: su
            for su in SchemeUnit.objects.filter(group__version=current).select_related(
                "unit", "group"
            )
        }

    groups = _planned_groups(parsed, mode, group_title, current)
    wanted_codes = {unit.code for unit in parsed.units}
    referenced = {code for _title, codes in groups for code in codes} - wanted_codes
    library: dict[str, list[Unit]] = {}
    for unit in (
        units_qs.filter(code__in=wanted_codes | referenced)
        .prefetch_related("elements__criteria")
        .order_by("code", "-revision")
    ):
        library.setdefault(unit.code, []).append(unit)

    unit_steps = tuple(
        _plan_unit(data, library.get(data.code, []), in_use.get(data.code)) for data in parsed.units
    )
    references: dict[str, tuple[int, int]] = {}
    for code in sorted(referenced):
        used = in_use.get(code)
        if used is not None:
            references[code] = (used.unit_id, used.unit.revision)
        elif library.get(code):
            references[code] = (library[code][0].pk, library[code][0].revision)
    if mode == "scheme":
        for group in parsed.scheme.groups:
            for position, code in enumerate(group.unit_codes):
                if code not in wanted_codes and code not in references:
                    issues.add(
                        _("Unit %(code)s is neither in this file's units nor in the unit library.")
                        % {"code": code},
                        field=f"{group.source}.units[{position}]",
                    )
    elif mode == "version":
        for code in referenced - set(references):
            issues.add(
                _("Unit %(code)s is neither in this file's units nor in the unit library.")
                % {"code": code},
                field="groups",
            )
    issues.raise_if_any()

    keys: dict[str, UnitKey] = {step.data.code: step.key for step in unit_steps}
    keys.update({code: ("id", unit_id) for code, (unit_id, _rev) in references.items()})
    revisions = {step.data.code: step.revision for step in unit_steps}
    revisions.update({code: rev for code, (_id, rev) in references.items()})

    changes = [_unit_change(step) for step in unit_steps]
    changes += [
        Change(ChangeKind.UNIT_FROM_LIBRARY, code, (("code", code), ("revision", rev)))
        for code, (_id, rev) in references.items()
        if code not in in_use
    ]
    scheme_step = append_step = None
    if mode == "scheme":
        fingerprints = {step.data.code: step.data.fingerprint() for step in unit_steps}
        for code, (unit_id, _rev) in references.items():
            # Every revision of a referenced code was loaded, so the one in use is there.
            unit = next(u for u in library[code] if u.pk == unit_id)
            fingerprints[code] = unit_snapshot(unit).fingerprint()
        scheme_step, change = _plan_scheme(
            parsed.scheme, scheme, current, groups, keys, fingerprints, in_use
        )
        changes.append(change)
    elif mode == "version":
        append_step, version_changes = _plan_append(current, groups, keys, revisions, in_use)
        changes += version_changes

    return ImportPlan(
        parsed=parsed,
        mode=mode,
        library_only=library_only,
        target_version_id=target_id,
        group_title=group_title,
        units=unit_steps,
        references=references,
        scheme=scheme_step,
        append=append_step,
        changes=tuple(changes),
        warnings=tuple(warnings),
    )


def _planned_groups(
    parsed: ParsedImport, mode: str, group_title: str, current: SchemeVersion | None
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if mode == "scheme" or (mode == "version" and parsed.scheme is not None):
        return tuple((g.title, g.unit_codes) for g in parsed.scheme.groups)
    if mode == "version":
        title = group_title.strip()
        if not title:
            position = (current.groups.count() if current else 0) + 1
            title = _("Work group %(position)s") % {"position": position}
        return ((title, tuple(unit.code for unit in parsed.units)),)
    return ()


def _plan_unit(data: UnitData, revisions: list[Unit], used: SchemeUnit | None) -> UnitStep:
    """Which revision of a unit the file means, and what has to happen for it to exist.

    ``revisions`` is newest first. A revision with exactly the file's content is reused (the one
    the version uses first), so re-importing a file changes nothing. Otherwise the newest
    revision is updated in place while no published version uses it, else a new revision is made.
    """
    if not revisions:
        merged = data.merged(None)
        return UnitStep(data=merged, kind=ChangeKind.UNIT_CREATE, revision=1, unit_id=None)
    snapshots = {unit.pk: unit_snapshot(unit) for unit in revisions}
    base_id = used.unit_id if used is not None and used.unit_id in snapshots else revisions[0].pk
    merged = data.merged(snapshots[base_id])
    fingerprint = merged.fingerprint()
    ordered = sorted(revisions, key=lambda u: (u.pk != base_id, -u.revision))
    for unit in ordered:
        if snapshots[unit.pk].fingerprint() == fingerprint:
            return UnitStep(
                data=merged, kind=ChangeKind.UNIT_UNCHANGED, revision=unit.revision, unit_id=unit.pk
            )
    latest = revisions[0]
    diff = _unit_diff(snapshots[base_id], merged)
    if latest.is_frozen:
        return UnitStep(
            data=merged,
            kind=ChangeKind.UNIT_NEW_REVISION,
            revision=latest.revision + 1,
            unit_id=None,
            diff=diff,
        )
    return UnitStep(
        data=merged,
        kind=ChangeKind.UNIT_UPDATE,
        revision=latest.revision,
        unit_id=latest.pk,
        diff=diff,
    )


def _unit_diff(old: UnitData, new: UnitData) -> str:
    """A short list of what differs, for the preview: "title, KUK 1.2, +KUK 2.6, -element 3"."""
    parts = [
        name
        for name in ("title", "description", "standard_type", "variables", "assessment_guide")
        if (getattr(old, name) or "") != (getattr(new, name) or "")
    ]
    old_elements = {e.number: e for e in old.elements}
    new_elements = {e.number: e for e in new.elements}
    for number in sorted(old_elements.keys() | new_elements.keys()):
        before, after = old_elements.get(number), new_elements.get(number)
        if before is None:
            parts.append(_("+element %(number)s") % {"number": number})
            continue
        if after is None:
            parts.append(_("-element %(number)s") % {"number": number})
            continue
        if (before.title, before.question_text or "") != (after.title, after.question_text or ""):
            parts.append(_("element %(number)s") % {"number": number})
        old_criteria = {c.number: c for c in before.criteria}
        new_criteria = {c.number: c for c in after.criteria}
        for c_number in [c.number for c in after.criteria] + [
            n for n in old_criteria if n not in new_criteria
        ]:
            if c_number not in old_criteria:
                parts.append(_("+KUK %(number)s") % {"number": c_number})
            elif c_number not in new_criteria:
                parts.append(_("-KUK %(number)s") % {"number": c_number})
            elif old_criteria[c_number] != new_criteria[c_number]:
                parts.append(_("KUK %(number)s") % {"number": c_number})
        if [c.number for c in before.criteria if c.number in new_criteria] != [
            c.number for c in after.criteria if c.number in old_criteria
        ]:
            parts.append(_("KUK order in element %(number)s") % {"number": number})
    return ", ".join(parts) or _("order")


def _unit_change(step: UnitStep) -> Change:
    data = step.data
    params: dict[str, Any] = {"code": data.code, "revision": step.revision}
    if step.kind == ChangeKind.UNIT_CREATE:
        params.update(elements=len(data.elements), criteria=data.criteria_count)
    elif step.kind in {ChangeKind.UNIT_NEW_REVISION, ChangeKind.UNIT_UPDATE}:
        params["diff"] = step.diff
        if step.kind == ChangeKind.UNIT_NEW_REVISION:
            params["old"] = step.revision - 1
    return Change(step.kind, data.code, tuple(params.items()))


def _version_state(version: SchemeVersion) -> tuple[dict[str, Any], tuple]:
    fields = {name: getattr(version, name) for name in _VERSION_FIELDS}
    fields["required_documents"] = list(fields["required_documents"] or [])
    groups = tuple(
        (group.title, tuple(("id", su.unit_id) for su in group.scheme_units.all()))
        for group in version.groups.prefetch_related("scheme_units").order_by("position")
    )
    return fields, groups


def _plan_scheme(
    data: SchemeData,
    scheme: Scheme | None,
    current: SchemeVersion | None,
    groups: tuple[tuple[str, tuple[str, ...]], ...],
    keys: dict[str, UnitKey],
    fingerprints: dict[str, str],
    in_use: dict[str, SchemeUnit],
) -> tuple[SchemeStep, Change]:
    fields: dict[str, Any] = {
        "title": data.title,
        "scheme_type": data.scheme_type,
        "kkni_level": data.kkni_level,
    }
    defaults: dict[str, Any] = {
        "validity_years": 3,
        "fee": Decimal(0),
        "requirements": "",
        "required_documents": [],
        "ratified_by": "",
        "ratified_on": None,
    }
    for name, default in defaults.items():
        value = getattr(data, name)
        if name == "ratified_on" and data.ratified_on_given:
            fields[name] = value
        elif value is not None:
            fields[name] = list(value) if name == "required_documents" else value
        else:
            fields[name] = getattr(current, name) if current is not None else default
    fields["required_documents"] = list(fields["required_documents"] or [])
    fingerprint = _digest(
        {
            "number": data.number,
            **{
                k: str(v) if v is not None else None
                for k, v in fields.items()
                if k != "required_documents"
            },
            "required_documents": fields["required_documents"],
            "groups": [
                [title, [[code, fingerprints.get(code, "")] for code in codes]]
                for title, codes in groups
            ],
        }
    )
    wanted_groups = tuple((title, tuple(keys[code] for code in codes)) for title, codes in groups)
    unit_total = sum(len(codes) for _title, codes in groups)

    def step(kind: ChangeKind, version_id: int | None) -> SchemeStep:
        return SchemeStep(
            kind=kind,
            number=data.number,
            scheme_id=scheme.pk if scheme else None,
            version_id=version_id,
            fields=fields,
            groups=groups,
            fingerprint=fingerprint,
        )

    if scheme is None:
        return step(ChangeKind.SCHEME_CREATE, None), Change(
            ChangeKind.SCHEME_CREATE,
            data.number,
            (("number", data.number), ("groups", len(groups)), ("units", unit_total)),
        )
    if current is None:
        latest = scheme.versions.order_by("-version").first()
        return step(ChangeKind.SCHEME_NEW_DRAFT, None), Change(
            ChangeKind.SCHEME_NEW_DRAFT,
            data.number,
            (
                ("number", data.number),
                ("version", latest.version + 1),
                ("diff", _("all")),
                ("current", latest.version),
                ("status", latest.status),
            ),
        )
    current_fields, current_groups = _version_state(current)
    diff = [name for name in _VERSION_FIELDS if current_fields[name] != fields[name]]
    if current_groups != wanted_groups:
        diff.append(
            _("units")
            if [t for t, _k in current_groups] == [t for t, _k in wanted_groups]
            else _("groups")
        )
    if not diff:
        return step(ChangeKind.SCHEME_UNCHANGED, current.pk), Change(
            ChangeKind.SCHEME_UNCHANGED,
            data.number,
            (("number", data.number), ("version", current.version), ("status", current.status)),
        )
    if current.status == SchemeVersion.Status.DRAFT:
        return step(ChangeKind.SCHEME_UPDATE_DRAFT, current.pk), Change(
            ChangeKind.SCHEME_UPDATE_DRAFT,
            data.number,
            (("number", data.number), ("version", current.version), ("diff", ", ".join(diff))),
        )
    latest = scheme.versions.order_by("-version").first()
    return step(ChangeKind.SCHEME_NEW_DRAFT, None), Change(
        ChangeKind.SCHEME_NEW_DRAFT,
        data.number,
        (
            ("number", data.number),
            ("version", latest.version + 1),
            ("diff", ", ".join(diff)),
            ("current", current.version),
            ("status", current.status),
        ),
    )


def _plan_append(
    version: SchemeVersion,
    groups: tuple[tuple[str, tuple[str, ...]], ...],
    keys: dict[str, UnitKey],
    revisions: dict[str, int],
    in_use: dict[str, SchemeUnit],
) -> tuple[AppendStep, list[Change]]:
    number, v = version.scheme.number, version.version
    replace_: list[tuple[int, str]] = []
    new_groups: list[tuple[str, tuple[str, ...]]] = []
    changes: list[Change] = []
    for title, codes in groups:
        missing = []
        for code in codes:
            used = in_use.get(code)
            if used is None:
                missing.append(code)
            elif keys[code] != ("id", used.unit_id):
                replace_.append((used.pk, code))
                changes.append(
                    Change(
                        ChangeKind.VERSION_REPLACE_UNIT,
                        code,
                        (
                            ("code", code),
                            ("revision", revisions[code]),
                            ("old", used.unit.revision),
                            ("version", v),
                            ("number", number),
                        ),
                    )
                )
        if missing:
            new_groups.append((title, tuple(missing)))
            changes.append(
                Change(
                    ChangeKind.VERSION_ADD_GROUP,
                    title,
                    (("title", title), ("count", len(missing)), ("version", v), ("number", number)),
                )
            )
    if not changes:
        changes.append(
            Change(ChangeKind.VERSION_UNCHANGED, number, (("version", v), ("number", number)))
        )
    return AppendStep(
        version_id=version.pk, replace=tuple(replace_), new_groups=tuple(new_groups)
    ), changes


# --------------------------------------------------------------------------------------------
# Step 3: apply


@dataclass(frozen=True)
class ImportResult:
    changes: tuple[Change, ...]
    changed: bool
    version_id: int | None
    unit_ids: dict[str, int]

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for change in self.changes:
            result[change.kind] = result.get(change.kind, 0) + 1
        return result


@transaction.atomic
def apply_import(plan: ImportPlan, *, actor) -> ImportResult:
    """Carry out ``plan`` in one transaction: all of it or, on any error, nothing.

    Plans again with row locks first; raises ``ImportPlanStale`` when that differs from ``plan``
    (the database changed since the preview) and ``ImportFileInvalid`` when the file no longer
    fits (the target was published meanwhile). Scheme versions are saved with the change reason
    "imported from <file>" for the history.
    """
    fresh = plan_import(
        plan.parsed,
        target_version=plan.target_version_id,
        library_only=plan.library_only,
        group_title=plan.group_title,
        lock=True,
    )
    if fresh.digest != plan.digest:
        raise ImportPlanStale(
            [
                ImportIssue(
                    _(
                        "The schemes or units changed since this import was previewed. Nothing was "
                        "imported; check the new preview and confirm again."
                    )
                )
            ]
        )
    reason = f"imported from {plan.parsed.filename}"[:100]
    unit_ids: dict[str, int] = {}
    for step in fresh.units:
        unit_ids[step.data.code] = _apply_unit(step)
    for code, (unit_id, _rev) in fresh.references.items():
        unit_ids[code] = unit_id
    version_id = None
    if fresh.scheme is not None:
        version_id = _apply_scheme(fresh.scheme, unit_ids, actor=actor, reason=reason)
    elif fresh.append is not None:
        version_id = _apply_append(fresh.append, unit_ids)
    return ImportResult(
        changes=fresh.changes, changed=fresh.has_changes, version_id=version_id, unit_ids=unit_ids
    )


def _apply_unit(step: UnitStep) -> int:
    data = step.data
    if step.kind == ChangeKind.UNIT_UNCHANGED:
        return step.unit_id
    if step.kind == ChangeKind.UNIT_UPDATE:
        unit = Unit.objects.get(pk=step.unit_id)
        _sync_unit(unit, data)
        return unit.pk
    unit = Unit.objects.create(
        code=data.code,
        revision=step.revision,
        title=data.title,
        description=data.description or "",
        standard_type=data.standard_type,
        variables=data.variables or "",
        assessment_guide=data.assessment_guide or "",
    )
    for element_data in data.elements:
        _create_element(unit, element_data)
    return unit.pk


def _create_element(unit: Unit, data: ElementData) -> Element:
    element = Element.objects.create(
        unit=unit, number=data.number, title=data.title, question_text=data.question_text or ""
    )
    Criterion.objects.bulk_create(
        Criterion(
            element=element,
            number=c.number,
            position=position,
            text=c.text,
            question_text=c.question_text or "",
        )
        for position, c in enumerate(data.criteria, start=1)
    )
    return element


def _sync_unit(unit: Unit, data: UnitData) -> None:
    """Update a not yet frozen revision to ``data``, keeping the rows of elements and KUK whose
    numbers stay, so that anything already pointing at them (a draft plan) stays valid."""
    unit.guard_mutable()
    wanted = {
        "title": data.title,
        "description": data.description or "",
        "standard_type": data.standard_type,
        "variables": data.variables or "",
        "assessment_guide": data.assessment_guide or "",
    }
    changed = [name for name, value in wanted.items() if getattr(unit, name) != value]
    for name in changed:
        setattr(unit, name, wanted[name])
    if changed:
        unit.save(update_fields=changed)
    elements = {element.number: element for element in unit.elements.all()}
    for element_data in data.elements:
        element = elements.pop(element_data.number, None)
        if element is None:
            _create_element(unit, element_data)
            continue
        question = element_data.question_text or ""
        if (element.title, element.question_text) != (element_data.title, question):
            element.title, element.question_text = element_data.title, question
            element.save(update_fields=["title", "question_text"])
        criteria = {c.number: c for c in element.criteria.all()}
        for position, c in enumerate(element_data.criteria, start=1):
            criterion = criteria.pop(c.number, None)
            if criterion is None:
                Criterion.objects.create(
                    element=element,
                    number=c.number,
                    position=position,
                    text=c.text,
                    question_text=c.question_text or "",
                )
                continue
            values = (c.text, position, c.question_text or "")
            if (criterion.text, criterion.position, criterion.question_text) != values:
                criterion.text, criterion.position, criterion.question_text = values
                criterion.save(update_fields=["text", "position", "question_text"])
        for criterion in criteria.values():
            criterion.delete()
    for element in elements.values():
        element.delete()


def _write_groups(
    version: SchemeVersion,
    groups: tuple[tuple[str, tuple[str, ...]], ...],
    unit_ids: dict[str, int],
    *,
    start: int = 1,
) -> None:
    for position, (title, codes) in enumerate(groups, start=start):
        group = UnitGroup.objects.create(version=version, position=position, title=title)
        SchemeUnit.objects.bulk_create(
            SchemeUnit(group=group, unit_id=unit_ids[code], position=index)
            for index, code in enumerate(codes, start=1)
        )


def _apply_scheme(step: SchemeStep, unit_ids: dict[str, int], *, actor, reason: str) -> int:
    if step.kind == ChangeKind.SCHEME_UNCHANGED:
        return step.version_id
    if step.kind == ChangeKind.SCHEME_CREATE:
        scheme = Scheme.objects.create(number=step.number)
        version = SchemeVersion(
            scheme=scheme, version=1, source_hash=step.fingerprint, **step.fields
        )
        version._change_reason = reason
        version._history_user = actor
        version.save()
        _write_groups(version, step.groups, unit_ids)
        return version.pk
    if step.kind == ChangeKind.SCHEME_NEW_DRAFT:
        version = scheme_version_new_draft(scheme_id=step.scheme_id, actor=actor)
    else:
        version = SchemeVersion.objects.select_for_update().get(pk=step.version_id)
    version.guard_mutable()
    changed = [name for name in _VERSION_FIELDS if getattr(version, name) != step.fields[name]]
    for name in changed:
        setattr(version, name, step.fields[name])
    version.source_hash = step.fingerprint
    version._change_reason = reason
    version._history_user = actor
    version.save(update_fields=[*changed, "source_hash"])
    wanted = tuple(
        (title, tuple(("id", unit_ids[code]) for code in codes)) for title, codes in step.groups
    )
    if _version_state(version)[1] != wanted:
        # Only drafts get here; their groups have no history to keep.
        UnitGroup.objects.filter(version=version).delete()
        _write_groups(version, step.groups, unit_ids)
    return version.pk


def _apply_append(step: AppendStep, unit_ids: dict[str, int]) -> int:
    version = SchemeVersion.objects.select_for_update().get(pk=step.version_id)
    version.guard_mutable()
    for scheme_unit_id, code in step.replace:
        scheme_unit = SchemeUnit.objects.get(pk=scheme_unit_id)
        scheme_unit.unit_id = unit_ids[code]
        scheme_unit.save(update_fields=["unit"])
    last = version.groups.order_by("-position").values_list("position", flat=True).first() or 0
    _write_groups(version, step.new_groups, unit_ids, start=last + 1)
    return version.pk
