"""schemes.services: publish, retire, new draft."""

import pytest
from django.core.exceptions import ValidationError

from schemes.models import SchemeUnit, SchemeVersion, Unit, UnitGroup
from schemes.services import (
    scheme_version_new_draft,
    scheme_version_publish,
    scheme_version_retire,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_publishing_freezes_the_version_and_its_units(admin_user):
    draft = factories.make_scheme_version(publish=False, units=2)
    other = factories.UnitFactory()  # not in the version: stays editable

    version = scheme_version_publish(version_id=draft.pk, actor=admin_user)

    version.refresh_from_db()
    assert version.status == SchemeVersion.Status.PUBLISHED
    assert version.published_at is not None
    assert version.is_frozen
    assert all(unit.is_frozen for unit in version.units())
    assert not Unit.objects.get(pk=other.pk).is_frozen
    record = version.history.latest()
    assert (record.history_change_reason, record.history_user) == ("published", admin_user)


def test_publishing_keeps_the_freeze_date_of_units_already_frozen(admin_user):
    v1 = factories.make_scheme_version(units=1)
    unit = v1.units().get()
    frozen_at = unit.frozen_at
    v2 = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=admin_user)

    scheme_version_publish(version_id=v2.pk, actor=admin_user)

    unit.refresh_from_db()
    assert unit.frozen_at == frozen_at


def test_publishing_retires_the_previously_published_version(admin_user):
    v1 = factories.make_scheme_version()
    v2 = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=admin_user)

    scheme_version_publish(version_id=v2.pk, actor=admin_user)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "published")
    assert v1.retired_at is not None
    assert v1.history.latest().history_change_reason == "retired by v2"


def test_publishing_is_refused_without_units(admin_user):
    draft = factories.SchemeVersionFactory()
    UnitGroup.objects.create(version=draft, position=1, title="Kosong")

    with pytest.raises(ValidationError) as caught:
        scheme_version_publish(version_id=draft.pk, actor=admin_user)

    assert caught.value.code == "no_units"
    draft.refresh_from_db()
    assert draft.status == SchemeVersion.Status.DRAFT and draft.published_at is None


def test_publishing_a_published_version_is_refused(admin_user, scheme_version):
    with pytest.raises(ValidationError) as caught:
        scheme_version_publish(version_id=scheme_version.pk, actor=admin_user)
    assert caught.value.code == "wrong_state"


def test_new_draft_copies_the_structure_of_the_latest_version(admin_user):
    v1 = factories.make_scheme_version(
        units=2, fee=250000, validity_years=5, requirements="SMK\nPelatihan"
    )
    history_before = SchemeVersion.history.count()

    draft = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=admin_user)

    assert (draft.version, draft.status) == (2, SchemeVersion.Status.DRAFT)
    assert (draft.title, draft.fee, draft.validity_years, draft.requirements) == (
        v1.title,
        v1.fee,
        v1.validity_years,
        v1.requirements,
    )
    old_groups = [(g.position, g.title) for g in v1.groups.all()]
    assert [(g.position, g.title) for g in draft.groups.all()] == old_groups
    assert list(draft.units()) == list(v1.units())
    assert set(draft.groups.values_list("pk", flat=True)).isdisjoint(
        v1.groups.values_list("pk", flat=True)
    )
    assert SchemeUnit.objects.filter(group__version=v1).count() == 2
    assert SchemeVersion.history.count() == history_before + 1
    assert draft.history.get().history_change_reason == "new draft from v1"


def test_new_draft_returns_the_existing_draft(admin_user):
    v1 = factories.make_scheme_version()
    first = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=admin_user)

    second = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=admin_user)

    assert second.pk == first.pk
    assert SchemeVersion.objects.filter(scheme=v1.scheme).count() == 2


def test_new_draft_needs_a_version_to_copy(admin_user):
    scheme = factories.SchemeFactory()
    with pytest.raises(ValidationError) as caught:
        scheme_version_new_draft(scheme_id=scheme.pk, actor=admin_user)
    assert caught.value.code == "no_version"


def test_retire_ends_a_published_version(admin_user, scheme_version):
    version = scheme_version_retire(version_id=scheme_version.pk, actor=admin_user)

    version.refresh_from_db()
    assert version.status == SchemeVersion.Status.RETIRED
    assert version.retired_at is not None
    assert version.history.latest().history_change_reason == "retired"


def test_retire_refuses_a_draft(admin_user):
    draft = factories.make_scheme_version(publish=False)
    with pytest.raises(ValidationError) as caught:
        scheme_version_retire(version_id=draft.pk, actor=admin_user)
    assert caught.value.code == "wrong_state"
    draft.refresh_from_db()
    assert draft.status == SchemeVersion.Status.DRAFT
