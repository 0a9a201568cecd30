"""Who may do what with an assessment record: the single source of truth for pages, services and
downloads (django-rules). Roles are asked of the user object; nothing here imports certification."""

import rules


@rules.predicate
def is_candidate(user) -> bool:
    return bool(getattr(user, "is_candidate", False))


@rules.predicate
def is_assessor(user) -> bool:
    return bool(getattr(user, "is_assessor", False))


@rules.predicate
def is_lsp_admin(user) -> bool:
    return bool(getattr(user, "is_lsp_admin", False))


@rules.predicate
def is_decision_maker(user) -> bool:
    return bool(getattr(user, "is_decision_maker", False))


@rules.predicate
def is_candidate_of(user, assessment) -> bool:
    return assessment is not None and assessment.candidate_id == user.pk


@rules.predicate
def is_assessor_of(user, assessment) -> bool:
    return (
        assessment is not None
        and assessment.assessor_id == user.pk
        and bool(getattr(user, "is_assessor", False))
    )


# Reading the whole record: the candidate, the assigned assessor, decision makers and admins.
rules.add_perm(
    "assessments.view_assessment",
    is_candidate_of | is_assessor_of | is_lsp_admin | is_decision_maker,
)
rules.add_perm("assessments.edit_application", is_candidate_of)
rules.add_perm("assessments.verify_application", is_lsp_admin)
rules.add_perm("assessments.assess", is_assessor_of)
