"""What the certification decision made of an assessment, for the candidate's pages.

The decision and the certificate are recorded by the certification app, which assessments never
imports (the apps import downwards only). The certification app registers its reader here when
it loads (``CertificationConfig.ready``), as it registers its PDF documents; without it (an
assessments-only test, say) there is simply no outcome to show."""

from collections.abc import Callable
from dataclasses import dataclass

from assessments.models import Assessment


@dataclass(frozen=True)
class CertificationOutcome:
    certified: bool
    label: str  # the decision's translated label: "Certified" / "Not certified"
    certificate_number: str = ""
    certificate_url: str = ""  # the holder's page of the certificate, once it is issued


OutcomeReader = Callable[[object], CertificationOutcome | None]
_reader: OutcomeReader | None = None


def register_outcome_reader(reader: OutcomeReader) -> OutcomeReader:
    global _reader
    _reader = reader
    return reader


def certification_outcome(assessment) -> CertificationOutcome | None:
    """The decision on a decided ``assessment`` and its certificate (one query); None, without
    a query, before the decision, and when nothing reads decisions."""
    if assessment.state != Assessment.State.DECIDED or _reader is None:
        return None
    return _reader(assessment)
