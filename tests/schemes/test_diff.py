"""schemes.diff: what changed between two versions of a scheme."""

import pytest

from schemes.diff import scheme_version_diff
from schemes.models import Criterion, SchemeUnit, UnitGroup
from schemes.services import scheme_version_new_draft
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    """v1 published with units A and B; v2 a draft with A at revision 2 (one KUK reworded),
    B removed, a new unit C, a renamed group and new requirements."""
    v1 = factories.make_scheme_version(units=2, requirements="SMK jurusan TI")
    v2 = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=None)
    group = UnitGroup.objects.get(version=v2)
    unit_a, unit_b = [su.unit for su in SchemeUnit.objects.filter(group=group).order_by("position")]
    a2 = factories.make_unit(code=unit_a.code, revision=2, title=unit_a.title)
    changed = Criterion.objects.get(element__unit=a2, number="1.1")
    changed.text = "KUK yang dirumuskan ulang."
    changed.save()
    SchemeUnit.objects.filter(group=group).delete()
    SchemeUnit.objects.create(group=group, unit=a2, position=1)
    unit_c = factories.make_unit(elements=1, criteria=1)
    SchemeUnit.objects.create(group=group, unit=unit_c, position=2)
    UnitGroup.objects.filter(pk=group.pk).update(title="Kelompok baru")
    type(v2).objects.filter(pk=v2.pk).update(requirements="SMK jurusan TI\nPengalaman 1 tahun")
    v2.refresh_from_db()
    return v1, v2, unit_a, unit_b, unit_c


def _lines(diff, kind, section):
    return {line.key: line for line in diff.lines if line.kind == kind and line.section == section}


def test_identical_versions_have_no_difference():
    v1 = factories.make_scheme_version()
    v2 = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=None)
    assert scheme_version_diff(v1, v2).is_empty


def test_it_reports_metadata_and_group_changes(versions):
    v1, v2, *_ = versions
    diff = scheme_version_diff(v1, v2)
    meta = _lines(diff, "changed", "metadata")
    assert meta["requirements"].old == "SMK jurusan TI"
    assert "Pengalaman 1 tahun" in meta["requirements"].new
    assert _lines(diff, "changed", "groups")["1"].new == "Kelompok baru"


def test_a_new_unit_revision_is_a_change_not_a_removal(versions):
    v1, v2, unit_a, unit_b, unit_c = versions
    diff = scheme_version_diff(v1, v2)
    changed_units = _lines(diff, "changed", "units")
    assert changed_units[unit_a.code].old.startswith("rev. 1")
    assert changed_units[unit_a.code].new.startswith("rev. 2")
    assert unit_b.code in _lines(diff, "removed", "units")
    assert unit_c.code in _lines(diff, "added", "units")


def test_it_reports_kuk_text_and_elements(versions):
    v1, v2, unit_a, unit_b, unit_c = versions
    diff = scheme_version_diff(v1, v2)
    kuk = _lines(diff, "changed", "criteria")
    assert list(kuk) == [f"{unit_a.code} / 1 / 1.1"]
    assert kuk[f"{unit_a.code} / 1 / 1.1"].new == "KUK yang dirumuskan ulang."
    assert f"{unit_b.code} / 1" in _lines(diff, "removed", "elements")
    assert f"{unit_c.code} / 1 / 1.1" in _lines(diff, "added", "criteria")


def test_the_diff_runs_in_a_constant_number_of_queries(versions, django_assert_num_queries):
    v1, v2, *_ = versions
    with django_assert_num_queries(8):
        scheme_version_diff(v1, v2)
