"""assessments.selectors.scheme_structure keeps the structures of frozen scheme versions per
process (they cannot change) and never a draft's (it still can)."""

import pytest

from assessments import selectors
from schemes.models import SchemeUnit
from tests.factories import make_scheme_version, make_unit

pytestmark = pytest.mark.django_db


def _shape(structure) -> list[tuple]:
    return [
        (
            su.unit.code,
            [(e.number, [c.number for c in e.criteria.all()]) for e in su.unit.elements.all()],
        )
        for su in structure
    ]


def test_a_published_version_is_read_once(django_assert_num_queries):
    version = make_scheme_version(units=2, elements=2, criteria=3)
    with django_assert_num_queries(3):
        first = selectors.scheme_structure(version.pk)

    with django_assert_num_queries(0):
        again = selectors.scheme_structure(version.pk)

    assert _shape(again) == _shape(first)
    assert len(again) == 2
    assert [len(e.criteria.all()) for su in again for e in su.unit.elements.all()] == [3] * 4


def test_a_draft_is_read_every_time_and_shows_its_changes(django_assert_num_queries):
    version = make_scheme_version(units=1, publish=False)
    assert len(selectors.scheme_structure(version.pk)) == 1

    SchemeUnit.objects.create(group=version.groups.get(), position=2, unit=make_unit(elements=1))

    with django_assert_num_queries(3):
        assert len(selectors.scheme_structure(version.pk)) == 2


def test_callers_get_their_own_list(django_assert_num_queries):
    version = make_scheme_version(units=2)
    selectors.scheme_structure(version.pk).clear()

    assert len(selectors.scheme_structure(version.pk)) == 2


def test_only_the_most_recent_versions_are_kept(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "FROZEN_STRUCTURES_KEPT", 2)
    first, second, third = (make_scheme_version(units=1) for _ in range(3))
    for version in (first, second, third):
        selectors.scheme_structure(version.pk)

    with django_assert_num_queries(0):
        selectors.scheme_structure(third.pk)
        selectors.scheme_structure(second.pk)
    with django_assert_num_queries(3):
        selectors.scheme_structure(first.pk)


def test_an_empty_version_is_not_kept(django_assert_num_queries):
    version = make_scheme_version(units=0, publish=False)
    assert selectors.scheme_structure(version.pk) == []
    with django_assert_num_queries(1):
        assert selectors.scheme_structure(version.pk) == []


def test_a_kept_structure_is_read_again_after_a_while(monkeypatch, django_assert_num_queries):
    version = make_scheme_version(units=1)
    selectors.scheme_structure(version.pk)
    monkeypatch.setattr(selectors, "FROZEN_STRUCTURE_SECONDS", 0)

    with django_assert_num_queries(3):
        selectors.scheme_structure(version.pk)
