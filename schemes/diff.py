"""What changed between two versions of a scheme: metadata, groups, units (code + revision),
elements and KUK text. Used by the admin console before publishing a new draft."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from schemes.models import Criterion, Element, SchemeUnit, SchemeVersion

# The metadata a reader compares; status and dates are the version's life, not its content.
META_FIELDS = (
    "title",
    "scheme_type",
    "kkni_level",
    "requirements",
    "required_documents",
    "validity_years",
    "fee",
    "ratified_by",
    "ratified_on",
)


@dataclass(frozen=True)
class DiffLine:
    """One difference. ``kind`` is "added", "removed" or "changed"; ``key`` says where."""

    kind: str
    section: str
    key: str
    old: str = ""
    new: str = ""


@dataclass
class VersionDiff:
    old: SchemeVersion
    new: SchemeVersion
    lines: list[DiffLine] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def by_kind(self, kind: str) -> list[DiffLine]:
        return [line for line in self.lines if line.kind == kind]


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _structure(version: SchemeVersion) -> dict[str, dict[str, str]]:
    """Flat maps per section, keyed by a stable path (unit code, element number, KUK number),
    so that a unit's new revision reads as "changed", not "removed + added". Four queries."""
    groups = {str(g.position): g.title for g in version.groups.order_by("position")}
    scheme_units = SchemeUnit.objects.filter(group__version=version).select_related("unit", "group")
    units: dict[str, str] = {}
    unit_groups: dict[str, str] = {}
    unit_ids = []
    for su in scheme_units:
        units[su.unit.code] = f"rev. {su.unit.revision} {su.unit.title}"
        unit_groups[su.unit.code] = su.group.title
        unit_ids.append(su.unit_id)
    elements = {
        f"{e.unit.code} / {e.number}": e.title
        for e in Element.objects.filter(unit_id__in=unit_ids).select_related("unit")
    }
    criteria = {
        f"{c.element.unit.code} / {c.element.number} / {c.number}": c.text
        for c in Criterion.objects.filter(element__unit_id__in=unit_ids).select_related(
            "element__unit"
        )
    }
    return {
        "groups": groups,
        "units": units,
        "unit_groups": unit_groups,
        "elements": elements,
        "criteria": criteria,
    }


def _compare(section: str, old: dict[str, str], new: dict[str, str]) -> list[DiffLine]:
    lines = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            lines.append(DiffLine("removed", section, key, old=old[key]))
        elif key not in old:
            lines.append(DiffLine("added", section, key, new=new[key]))
        elif old[key] != new[key]:
            lines.append(DiffLine("changed", section, key, old=old[key], new=new[key]))
    return lines


SECTION_LABELS = {
    "metadata": _("Metadata"),
    "groups": _("Work groups"),
    "units": _("Units"),
    "unit_groups": _("Unit's work group"),
    "elements": _("Elements"),
    "criteria": _("Performance criteria (KUK)"),
}


def scheme_version_diff(old: SchemeVersion, new: SchemeVersion) -> VersionDiff:
    """Differences from ``old`` to ``new`` (normally two versions of one scheme)."""
    result = VersionDiff(old=old, new=new)
    meta_old = {name: _text(getattr(old, name)) for name in META_FIELDS}
    meta_new = {name: _text(getattr(new, name)) for name in META_FIELDS}
    result.lines.extend(_compare("metadata", meta_old, meta_new))
    s_old, s_new = _structure(old), _structure(new)
    for section in ("groups", "units", "unit_groups", "elements", "criteria"):
        result.lines.extend(_compare(section, s_old[section], s_new[section]))
    return result
