"""Template helpers of the candidate's progress pages: state badges and the navbar's unread
notifications count.

The navbar (owned by the UI) shows the count with one line::

    {% load progress_tags %}{% notifications_nav_item %}
"""

from django import template

from assessments.models import Assessment

register = template.Library()

S = Assessment.State

# Bootstrap colour of each state's badge (the text-bg-* classes keep WCAG AA contrast).
STATE_BADGE = {
    S.DRAFT: "text-bg-secondary",
    S.SUBMITTED: "text-bg-info",
    S.RETURNED: "text-bg-warning",
    S.ACCEPTED: "text-bg-primary",
    S.REJECTED: "text-bg-danger",
    S.SCHEDULED: "text-bg-primary",
    S.CLEARED: "text-bg-primary",
    S.PREPARED: "text-bg-primary",
    S.IN_PROGRESS: "text-bg-primary",
    S.RECOMMENDED: "text-bg-info",
    S.REPORTED: "text-bg-info",
    S.DECIDED: "text-bg-success",
    S.REOPENED: "text-bg-warning",
    S.ABSENT: "text-bg-dark",
    S.WITHDRAWN: "text-bg-dark",
}


@register.filter
def state_badge(state: str) -> str:
    """The badge class of an assessment state: ``{{ a.state|state_badge }}``."""
    return STATE_BADGE.get(state, "text-bg-secondary")


@register.inclusion_tag("assessments/progress/partials/notification_nav.html", takes_context=True)
def notifications_nav_item(context) -> dict:
    """A navbar item linking to the notifications. The unread count is fetched by htmx after
    the page loads, so that no page pays a query for it (nothing for anonymous visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "request": request}
