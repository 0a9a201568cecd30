"""List filters (django-filter) for the assessment pages."""

import django_filters
from django import forms
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, AssessmentEvent
from schemes.models import Scheme, SchemeVersion


class SchemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Scheme) -> str:
        title = getattr(obj, "latest_title", "")
        return f"{obj.number} {title}".strip()


class SchemeFilter(django_filters.ModelChoiceFilter):
    field_class = SchemeChoiceField


def _schemes(request) -> QuerySet[Scheme]:
    # The scheme number alone means little to a person: show the newest version's title with it.
    latest = SchemeVersion.objects.filter(scheme=OuterRef("pk")).order_by("-version")
    return Scheme.objects.annotate(latest_title=Subquery(latest.values("title")[:1])).order_by(
        "number"
    )


def _events(request) -> QuerySet[AssessmentEvent]:
    """The events an admin filters by: those not finished (planned, open, registration closed),
    plus the one already chosen. Done and cancelled events pile up over the years; offering
    them all made the queue page grow with the LSP's history."""
    Status = AssessmentEvent.Status
    offered = Q(status__in=[Status.PLANNED, Status.OPEN, Status.CLOSED])
    chosen = request.GET.get("event", "") if request is not None else ""
    if chosen.isdigit() and len(chosen) <= 18:  # beyond a 64-bit id: not an event
        offered |= Q(pk=int(chosen))
    return AssessmentEvent.objects.filter(offered).order_by("-starts_at")


class ApplicationFilter(django_filters.FilterSet):
    """The LSP admin's application queue. With no state in the query it shows the submitted
    applications (see ``DEFAULT_STATE``); "any state" is an explicit empty choice."""

    DEFAULT_STATE = Assessment.State.SUBMITTED

    q = django_filters.CharFilter(
        label=_("Candidate"),
        method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Name or email"), "type": "search"}),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=Assessment.State.choices, empty_label=_("Any state")
    )
    scheme = SchemeFilter(
        label=_("Scheme"),
        field_name="scheme_version__scheme",
        queryset=_schemes,
        empty_label=_("Any scheme"),
    )
    event = django_filters.ModelChoiceFilter(
        label=_("Event"), queryset=_events, empty_label=_("Any event")
    )
    submitted_from = django_filters.DateFilter(
        label=_("Submitted from"),
        field_name="submitted_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = django_filters.DateFilter(
        label=_("Submitted until"),
        field_name="submitted_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Assessment
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        # Only a missing state takes the default: the "any state" choice submits an empty one.
        if data is not None and "state" not in data:
            data = data.copy()
            data["state"] = self.DEFAULT_STATE
        super().__init__(data, *args, **kwargs)

    def search(self, queryset: QuerySet[Assessment], name: str, value: str):
        # Name and email only: the NIK is never a search key on a list page.
        for word in value.split():
            queryset = queryset.filter(
                Q(candidate__full_name__icontains=word) | Q(candidate__email__icontains=word)
            )
        return queryset
