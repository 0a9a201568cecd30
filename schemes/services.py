"""Writes to schemes: publishing freezes a version and every unit it uses; editing a published
scheme starts a new draft version that copies the published structure."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from schemes.models import SchemeUnit, SchemeVersion, Unit, UnitGroup


def _save(obj, *, fields, reason: str, actor) -> None:
    obj._change_reason = reason
    obj._history_user = actor
    obj.save(update_fields=list(fields))


@transaction.atomic
def scheme_version_publish(*, version_id: int, actor) -> SchemeVersion:
    """Publish a draft: it becomes frozen, its units are frozen, the previously published version
    of the same scheme is retired (assessments pinned to it keep it)."""
    version = SchemeVersion.objects.select_for_update().get(pk=version_id)
    previous = (
        SchemeVersion.objects.select_for_update()
        .filter(scheme_id=version.scheme_id, status=SchemeVersion.Status.PUBLISHED)
        .exclude(pk=version.pk)
        .first()
    )
    try:
        version.publish()
    except TransitionNotAllowed as exc:
        if version.status == SchemeVersion.Status.DRAFT:
            raise ValidationError(
                _("A scheme version needs at least one unit before publishing."), code="no_units"
            ) from exc
        raise ValidationError(
            _("Only a draft version can be published."), code="wrong_state"
        ) from exc
    if previous is not None:
        previous.retire()
        _save(
            previous,
            fields=["status", "retired_at"],
            reason=f"retired by v{version.version}",
            actor=actor,
        )
    _save(version, fields=["status", "published_at"], reason="published", actor=actor)
    now = timezone.now()
    for unit in Unit.objects.filter(scheme_units__group__version=version, frozen_at__isnull=True):
        unit.frozen_at = now
        unit.save(update_fields=["frozen_at"])
    return version


@transaction.atomic
def scheme_version_retire(*, version_id: int, actor) -> SchemeVersion:
    version = SchemeVersion.objects.select_for_update().get(pk=version_id)
    try:
        version.retire()
    except TransitionNotAllowed as exc:
        raise ValidationError(
            _("Only a published version can be retired."), code="wrong_state"
        ) from exc
    _save(version, fields=["status", "retired_at"], reason="retired", actor=actor)
    return version


@transaction.atomic
def scheme_version_new_draft(*, scheme_id: int, actor) -> SchemeVersion:
    """The draft to edit: the existing draft, or a copy of the latest version (same units)."""
    existing = (
        SchemeVersion.objects.select_for_update()
        .filter(scheme_id=scheme_id, status=SchemeVersion.Status.DRAFT)
        .first()
    )
    if existing is not None:
        return existing
    latest = SchemeVersion.objects.filter(scheme_id=scheme_id).order_by("-version").first()
    if latest is None:
        raise ValidationError(_("The scheme has no version to copy."), code="no_version")
    draft = SchemeVersion(
        scheme_id=scheme_id,
        version=latest.version + 1,
        title=latest.title,
        scheme_type=latest.scheme_type,
        kkni_level=latest.kkni_level,
        requirements=latest.requirements,
        required_documents=latest.required_documents,
        validity_years=latest.validity_years,
        fee=latest.fee,
        ratified_by=latest.ratified_by,
        ratified_on=latest.ratified_on,
    )
    draft._change_reason = f"new draft from v{latest.version}"
    draft._history_user = actor
    draft.save()
    for group in latest.groups.prefetch_related("scheme_units"):
        new_group = UnitGroup.objects.create(
            version=draft, position=group.position, title=group.title
        )
        SchemeUnit.objects.bulk_create(
            SchemeUnit(group=new_group, unit_id=su.unit_id, position=su.position)
            for su in group.scheme_units.all()
        )
    return draft


# --- admin console (issue 6): requirements, documents, fee and validity of a draft ---------------

VERSION_EDITABLE_FIELDS = ("requirements", "required_documents", "fee", "validity_years")


@transaction.atomic
def scheme_version_update(*, version_id: int, actor, **fields) -> SchemeVersion:
    """Change the requirements text, required documents, fee or validity of a DRAFT version.

    Only ``VERSION_EDITABLE_FIELDS`` may be given (anything else is a programming error). A
    published or retired version is frozen: candidates applied under its terms, so the change
    goes into a new draft instead (FrozenError, a ValidationError)."""
    unknown = set(fields) - set(VERSION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"scheme_version_update cannot set {sorted(unknown)}")
    version = SchemeVersion.objects.select_for_update().select_related("scheme").get(pk=version_id)
    version.guard_mutable()
    if "required_documents" in fields:
        fields["required_documents"] = sorted(set(fields["required_documents"]))
    for name, value in fields.items():
        setattr(version, name, value)
    version.full_clean(exclude=["status"])
    changed = [name for name in VERSION_EDITABLE_FIELDS if name in fields]
    if changed:
        _save(version, fields=changed, reason="requirements edited", actor=actor)
    return version
