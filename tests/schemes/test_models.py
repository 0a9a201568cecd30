"""Every named constraint of schemes/models.py, and the frozen guard of units and versions."""

from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from schemes.models import (
    Criterion,
    Element,
    FrozenError,
    Scheme,
    SchemeUnit,
    SchemeVersion,
    Unit,
    UnitGroup,
)
from tests import factories

pytestmark = pytest.mark.django_db


def violates(name: str, create) -> None:
    """``create`` raises IntegrityError for constraint ``name``. PostgreSQL names every
    constraint in its message; SQLite names check constraints and partial unique indexes only,
    and lists the columns of a plain unique constraint instead."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    message = str(caught.value)
    if connection.vendor == "postgresql" or "CHECK" in message or "index" in message:
        assert name in message
    else:
        assert "UNIQUE constraint failed" in message


# Unit, element, KUK -----------------------------------------------------------------------


def test_unit_code_and_revision_are_unique():
    unit = factories.UnitFactory()
    violates(
        "unit_code_revision_unique",
        lambda: Unit.objects.create(code=unit.code, revision=unit.revision, title="Lain"),
    )


def test_a_new_revision_of_the_same_code_is_allowed():
    unit = factories.UnitFactory()
    assert Unit.objects.create(code=unit.code, revision=2, title=unit.title).pk


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("unit_code_not_blank", {"code": "", "title": "Judul"}),
        ("unit_title_not_blank", {"code": "J.1", "title": ""}),
        ("unit_revision_positive", {"code": "J.1", "title": "Judul", "revision": 0}),
    ],
)
def test_unit_check_constraints(name, fields):
    violates(name, lambda: Unit.objects.create(**fields))


def test_element_number_is_unique_in_its_unit():
    element = factories.ElementFactory()
    violates(
        "element_number_unique_in_unit",
        lambda: Element.objects.create(unit=element.unit, number=element.number, title="B"),
    )


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("element_number_positive", {"number": 0, "title": "Judul"}),
        ("element_title_not_blank", {"number": 1, "title": ""}),
    ],
)
def test_element_check_constraints(name, fields):
    unit = factories.UnitFactory()
    violates(name, lambda: Element.objects.create(unit=unit, **fields))


def test_criterion_number_is_unique_in_its_element():
    criterion = factories.CriterionFactory()
    violates(
        "criterion_number_unique_in_element",
        lambda: Criterion.objects.create(
            element=criterion.element, number=criterion.number, text="Lain."
        ),
    )


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("criterion_number_not_blank", {"number": "", "text": "Teks."}),
        ("criterion_text_not_blank", {"number": "1.1", "text": ""}),
    ],
)
def test_criterion_check_constraints(name, fields):
    element = factories.ElementFactory()
    violates(name, lambda: Criterion.objects.create(element=element, **fields))


# Scheme and versions ----------------------------------------------------------------------


def test_scheme_number_is_unique_and_not_blank():
    scheme = factories.SchemeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Scheme.objects.create(number=scheme.number)
    violates("scheme_number_not_blank", lambda: Scheme.objects.create(number=""))


def test_scheme_version_number_is_unique_per_scheme():
    version = factories.SchemeVersionFactory()
    violates(
        "scheme_version_unique",
        lambda: factories.SchemeVersionFactory(
            scheme=version.scheme,
            version=version.version,
            status="retired",
            published_at=timezone.now(),
        ),
    )


def test_a_scheme_has_at_most_one_draft():
    draft = factories.SchemeVersionFactory()
    violates(
        "scheme_single_draft",
        lambda: factories.SchemeVersionFactory(scheme=draft.scheme, version=2),
    )


def test_a_scheme_has_at_most_one_published_version():
    published = factories.make_scheme_version()
    violates(
        "scheme_single_published",
        lambda: factories.SchemeVersionFactory(
            scheme=published.scheme, version=2, status="published", published_at=timezone.now()
        ),
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"scheme_type": "kkni", "kkni_level": None},
        {"scheme_type": "kkni", "kkni_level": 0},
        {"scheme_type": "kkni", "kkni_level": 10},
        {"scheme_type": "klaster", "kkni_level": 3},
        {"scheme_type": "okupasi", "kkni_level": 3},
    ],
)
def test_kkni_level_goes_with_type_kkni_only(fields):
    violates(
        "scheme_version_kkni_level_matches_type", lambda: factories.SchemeVersionFactory(**fields)
    )


def test_kkni_version_with_a_level_is_valid():
    assert factories.SchemeVersionFactory(scheme_type="kkni", kkni_level=6).pk


def test_a_published_version_has_a_publication_date():
    violates(
        "scheme_version_published_has_date",
        lambda: factories.SchemeVersionFactory(status="published", published_at=None),
    )


@pytest.mark.parametrize("years", [0, 11])
def test_validity_is_between_one_and_ten_years(years):
    violates(
        "scheme_version_validity_range",
        lambda: factories.SchemeVersionFactory(validity_years=years),
    )


def test_fee_is_not_negative():
    violates("scheme_version_fee_not_negative", lambda: factories.SchemeVersionFactory(fee=-1))


def test_version_title_is_not_blank():
    violates("scheme_version_title_not_blank", lambda: factories.SchemeVersionFactory(title=""))


def test_group_position_is_unique_in_a_version():
    version = factories.SchemeVersionFactory()
    UnitGroup.objects.create(version=version, position=1, title="A")
    violates(
        "unit_group_position_unique",
        lambda: UnitGroup.objects.create(version=version, position=1, title="B"),
    )


def test_unit_position_is_unique_in_a_group():
    version = factories.SchemeVersionFactory()
    group = UnitGroup.objects.create(version=version, position=1, title="A")
    SchemeUnit.objects.create(group=group, unit=factories.UnitFactory(), position=1)
    violates(
        "scheme_unit_position_unique",
        lambda: SchemeUnit.objects.create(group=group, unit=factories.UnitFactory(), position=1),
    )


def test_a_unit_appears_once_in_a_group():
    version = factories.SchemeVersionFactory()
    group = UnitGroup.objects.create(version=version, position=1, title="A")
    unit = factories.UnitFactory()
    SchemeUnit.objects.create(group=group, unit=unit, position=1)
    violates(
        "scheme_unit_once_per_group",
        lambda: SchemeUnit.objects.create(group=group, unit=unit, position=2),
    )


# Frozen guard -----------------------------------------------------------------------------


@pytest.fixture
def frozen_unit():
    version = factories.make_scheme_version(units=1)
    unit = version.units().get()
    assert unit.is_frozen
    return unit


def test_a_frozen_unit_cannot_change(frozen_unit):
    frozen_unit.title = "Judul baru"
    with pytest.raises(FrozenError):
        frozen_unit.save()
    frozen_unit.refresh_from_db()
    assert frozen_unit.title != "Judul baru"


def test_a_frozen_unit_cannot_be_deleted(frozen_unit):
    with pytest.raises(FrozenError):
        frozen_unit.delete()


def test_freezing_is_the_one_write_allowed_on_a_frozen_unit(frozen_unit):
    frozen_unit.frozen_at = timezone.now()
    frozen_unit.save(update_fields=["frozen_at"])


def test_elements_of_a_frozen_unit_cannot_be_added_changed_or_deleted(frozen_unit):
    element = frozen_unit.elements.first()
    with pytest.raises(FrozenError):
        Element.objects.create(unit=frozen_unit, number=99, title="Elemen baru")
    element.title = "Judul lain"
    with pytest.raises(FrozenError):
        element.save()
    with pytest.raises(FrozenError):
        element.delete()


def test_kuk_of_a_frozen_unit_cannot_be_added_changed_or_deleted(frozen_unit):
    criterion = Criterion.objects.filter(element__unit=frozen_unit).first()
    with pytest.raises(FrozenError):
        Criterion.objects.create(element=criterion.element, number="1.99", text="Baru.")
    criterion.text = "Teks lain."
    with pytest.raises(FrozenError):
        criterion.save()
    with pytest.raises(FrozenError):
        criterion.delete()


def test_groups_and_units_of_a_published_version_cannot_change(scheme_version):
    group = scheme_version.groups.get()
    with pytest.raises(FrozenError):
        UnitGroup.objects.create(version=scheme_version, position=2, title="Baru")
    group.title = "Judul lain"
    with pytest.raises(FrozenError):
        group.save()
    with pytest.raises(FrozenError):
        group.delete()
    scheme_unit = group.scheme_units.first()
    with pytest.raises(FrozenError):
        SchemeUnit.objects.create(group=group, unit=factories.UnitFactory(), position=99)
    scheme_unit.position = 50
    with pytest.raises(FrozenError):
        scheme_unit.save()
    with pytest.raises(FrozenError):
        scheme_unit.delete()


def test_published_version_guard_names_the_version(scheme_version):
    with pytest.raises(FrozenError) as caught:
        scheme_version.guard_mutable()
    assert caught.value.code == "frozen"
    assert scheme_version.scheme.number in str(caught.value)


def test_an_unfrozen_unit_and_a_draft_can_change():
    draft = factories.make_scheme_version(publish=False, units=1)
    unit = draft.units().get()
    unit.title = "Judul baru"
    unit.save()
    group = draft.groups.get()
    group.title = "Kelompok baru"
    group.save()
    assert Unit.objects.get(pk=unit.pk).title == "Judul baru"


def test_element_question_falls_back_to_the_title():
    element = factories.ElementFactory(title="Mengidentifikasi konsep data")
    assert element.question == "Dapatkah saya mengidentifikasi konsep data?"
    element.question_text = "Apakah Anda dapat ...?"
    assert element.question == "Apakah Anda dapat ...?"


def test_requirement_list_skips_blank_lines():
    version = SchemeVersion(requirements="SMK\n\n  Pelatihan  \n")
    assert version.requirement_list == ["SMK", "Pelatihan"]


def test_every_named_constraint_has_a_test():
    names = {
        constraint.name
        for model in apps.get_app_config("schemes").get_models()
        for constraint in model._meta.constraints
    }
    source = Path(__file__).read_text(encoding="utf-8")
    assert {name for name in names if f'"{name}"' not in source} == set()
