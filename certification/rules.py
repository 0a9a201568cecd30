"""Who may do what in the certification layer: the single source of truth for pages and services.

Two kinds of rules live here:
- role permissions (django-rules), checked by pages before any lookup (403 for other roles);
- *involvement* rules (ISO/IEC 17024 impartiality): the person who decides on a candidate's
  certification, or reviews their appeal, must not have been involved with that candidate. These
  return the reason as a sentence (or None), so that the page and the service refuse with the
  same words.
"""

from collections.abc import Callable
from functools import reduce
from operator import or_

import rules
from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _

from assessments.models import Assessment, ImpartialityDeclaration


@rules.predicate
def is_lsp_admin(user) -> bool:
    return bool(getattr(user, "is_lsp_admin", False))


@rules.predicate
def is_decision_maker(user) -> bool:
    return bool(getattr(user, "is_decision_maker", False))


@rules.predicate
def is_lsp_head(user) -> bool:
    return bool(getattr(user, "is_lsp_head", False))


@rules.predicate
def is_holder(user, certificate) -> bool:
    return certificate is not None and certificate.holder_id == user.pk


@rules.predicate
def is_appellant(user, appeal) -> bool:
    return appeal is not None and appeal.filed_by_id == user.pk


@rules.predicate
def is_appeal_reviewer(user, appeal) -> bool:
    return appeal is not None and appeal.reviewer_id == user.pk


# The pleno: the queue of reported assessments and the decision itself.
rules.add_perm("certification.decide", is_decision_maker)
# The decision log, decision letters (SK) and the certificate register: the LSP's staff.
rules.add_perm("certification.view_decision_log", is_decision_maker | is_lsp_admin | is_lsp_head)
rules.add_perm("certification.prepare_decision_letter", is_decision_maker | is_lsp_admin)
rules.add_perm("certification.view_certificates", is_decision_maker | is_lsp_admin | is_lsp_head)
rules.add_perm(
    "certification.view_certificate",
    is_holder | is_decision_maker | is_lsp_admin | is_lsp_head,
)
# Issuing and recording BNSP's numbers is administration; suspending, restoring and withdrawing
# are certification decisions (the committee or the head of the LSP).
rules.add_perm("certification.issue_certificate", is_lsp_admin)
rules.add_perm("certification.record_bnsp_numbers", is_lsp_admin)
rules.add_perm("certification.change_certificate_state", is_decision_maker | is_lsp_head)
# Appeals and complaints: admins assign; only the assigned reviewer or handler rules or
# answers (checked by the services against the case itself).
rules.add_perm("certification.manage_appeals", is_lsp_admin)
rules.add_perm("certification.manage_complaints", is_lsp_admin)
# An appeal (its FR.AK.04 PDF): the candidate who filed it, its reviewer and the LSP admins.
rules.add_perm("certification.view_appeal", is_appellant | is_appeal_reviewer | is_lsp_admin)


def can(user, perm: str, obj=None) -> bool:
    """The rule itself, by role, without Django's shortcut that lets a superuser do anything:
    separation of duties holds for superusers too (they fix raw data in the Django admin)."""
    return bool(user.is_authenticated and user.is_active and rules.has_perm(perm, user, obj))


# --- involvement -------------------------------------------------------------------------------

InvolvementCheck = Callable[[object, Assessment], str | None]
_involvement_checks: list[InvolvementCheck] = []

# Where the admin console records an override of a declared conflict (assessments'
# AssignmentOverride). Any row of such a model for the assessment makes every user it points at
# (the assessor, the admin who assigned them, the admin who approved the override) "involved".
# The first of these models that exists counts; the rule reads the model's user foreign keys, so
# it keeps working if the record gains or renames one.
OVERRIDE_MODELS = ("assessments.AssignmentOverride", "certification.AssignmentOverride")


def register_involvement_check(check: InvolvementCheck) -> InvolvementCheck:
    """Add a rule that can declare a user involved with an assessment (returns the reason).

    The hook for records this layer does not know yet; usable as a decorator."""
    _involvement_checks.append(check)
    return check


def _override_rows(user, assessment_id) -> QuerySet | None:
    """Rows of the override record (the first of OVERRIDE_MODELS that exists: a model with an
    ``assessment`` foreign key) for the assessment that name ``user`` in any user foreign key;
    None until the admin console adds such a model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for label in OVERRIDE_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        user_fields = [
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is user_model
        ]
        if not user_fields or "assessment" not in {f.name for f in model._meta.fields}:
            continue
        names_user = reduce(or_, (Q(**{name: user.pk}) for name in user_fields))
        return model.objects.filter(names_user, assessment_id=assessment_id)
    return None


INVOLVEMENT_FACTS = ("assessed", "declared", "overrode")


def _involvement_facts(user, candidate_id, assessment_id) -> dict:
    """What involvement_refusal asks the database, as boolean expressions named as in
    INVOLVEMENT_FACTS; the ids may be OuterRef()s to annotate them onto a query of assessments."""
    overrides = _override_rows(user, assessment_id)
    return {
        "assessed": Exists(Assessment.objects.filter(candidate_id=candidate_id, assessor=user)),
        "declared": Exists(
            ImpartialityDeclaration.objects.filter(
                assessor=user, assessment__candidate_id=candidate_id
            ).exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
        ),
        "overrode": Exists(overrides) if overrides is not None else Value(False),
    }


def with_involvement(queryset: QuerySet[Assessment], user) -> QuerySet[Assessment]:
    """``queryset`` annotated with whether ``user`` is involved with each candidate, so that
    involvement_refusal() on its assessments runs no query of its own (the decision page)."""
    facts = _involvement_facts(user, OuterRef("candidate_id"), OuterRef("pk"))
    return queryset.annotate(
        involvement_user_id=Value(user.pk),
        **{f"involvement_{fact}": expression for fact, expression in facts.items()},
    )


def involvement_refusal(user, assessment: Assessment, *, you: bool = True) -> str | None:
    """Why ``user`` counts as involved with the candidate of ``assessment`` (or None).

    Involved: the candidate themselves; anyone who has been an assessor of this candidate (in
    any assessment); anyone who declared a relationship with them (family, employer, trainer...);
    an admin named on an override of a conflicted assignment for this assessment; and whatever
    a registered check says. ``you`` words the reason for the user themselves ("You have
    been..."), otherwise for someone else being chosen ("They have been...").

    The database facts are read in one query, or none when ``assessment`` was loaded through
    with_involvement() for this user."""
    if user.pk == assessment.candidate_id:
        return _("Nobody takes part in decisions on their own certification.")
    if getattr(assessment, "involvement_user_id", None) == user.pk:
        found = {fact: getattr(assessment, f"involvement_{fact}") for fact in INVOLVEMENT_FACTS}
    else:
        facts = _involvement_facts(user, assessment.candidate_id, assessment.pk)
        found = Assessment.objects.filter(pk=assessment.pk).values(**facts).get()
    if assessment.assessor_id == user.pk or found["assessed"]:
        return (
            _("You have been an assessor of this candidate.")
            if you
            else _("They have been an assessor of this candidate.")
        )
    if found["declared"]:
        return (
            _("You declared a relationship with this candidate.")
            if you
            else _("They declared a relationship with this candidate.")
        )
    if found["overrode"]:
        return (
            _("You took part in overriding a conflict for this candidate's assessment.")
            if you
            else _("They took part in overriding a conflict for this candidate's assessment.")
        )
    for check in _involvement_checks:
        reason = check(user, assessment)
        if reason:
            return reason
    return None


def decision_refusal(user, assessment: Assessment) -> str | None:
    """Why ``user`` may not take the certification decision on ``assessment`` (or None)."""
    if not getattr(user, "is_decision_maker", False):
        return _("Only a member of the decision committee can decide on certification.")
    return involvement_refusal(user, assessment)


def reviewer_refusal(user, appeal, *, you: bool = True) -> str | None:
    """Why ``user`` may not review ``appeal`` (or None): an LSP admin (the reviewer opens the
    reassessment when the appeal is upheld) not involved with the candidate and not the one who
    took the decision appealed against."""
    if not user.is_active or not getattr(user, "is_lsp_admin", False):
        return _("The reviewer must be an active LSP admin.")
    assessment = appeal.assessment
    if user.pk in decider_ids(assessment):
        return _("The person who took the decision cannot review the appeal against it.")
    return involvement_refusal(user, assessment, you=you)


def decider_ids(assessment: Assessment) -> set[int]:
    """Who took the certification decision on ``assessment``: the decision record's author and,
    for records decided before decisions were recorded, whoever moved it to "decided"."""
    ids = set(
        Assessment.history.filter(id=assessment.pk, state=Assessment.State.DECIDED)
        .exclude(history_user__isnull=True)
        .order_by("history_date", "history_id")  # the transition itself, not later saves
        .values_list("history_user_id", flat=True)[:1]
    )
    decision = getattr(assessment, "certification_decision", None)
    if decision is not None:
        ids.add(decision.decided_by_id)
    return ids
