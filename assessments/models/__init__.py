"""Assessment models, split by concern; import them from ``assessments.models``."""

from assessments.models.admin import AssignmentOverride, TUKVerification
from assessments.models.application import (
    AK03_ITEMS,
    ApplicationDocument,
    CandidateFeedback,
    ConsentTerms,
    DocumentKind,
    Evidence,
    EvidenceRequest,
    SelfAssessment,
    StoredFile,
    private_upload_path,
)
from assessments.models.archive import (
    ArchivedDocument,
    ArchiveImmutableError,
    RenderBatch,
    RenderRequest,
    archive_upload_path,
)
from assessments.models.assessor import (
    AssessorFeedback,
    BankQuestion,
    EventReport,
    EvidenceReview,
    ImpartialityDeclaration,
    Instrument,
    Observation,
    PreparationRecord,
    QuestionRecord,
    ThirdPartyVerification,
    UnitDecision,
    UnitPlan,
)
from assessments.models.core import (
    FORM_TITLES,
    TUK,
    Assessment,
    AssessmentEvent,
    AssessmentQuerySet,
    AssessorProfile,
    CandidateProfile,
    EventAssessor,
    Form,
    Notification,
    NotificationQuerySet,
    Signature,
    met_validator,
    nik_validator,
    phone_validator,
)

__all__ = [
    "AssessorFeedback", "BankQuestion", "EventReport", "EvidenceReview",
    "ImpartialityDeclaration", "Instrument", "Observation", "PreparationRecord",
    "QuestionRecord", "ThirdPartyVerification", "UnitDecision", "UnitPlan",
    "AK03_ITEMS", "FORM_TITLES", "TUK", "ApplicationDocument", "Assessment", "AssessmentEvent",
    "AssessmentQuerySet", "AssessorProfile", "CandidateFeedback", "CandidateProfile",
    "ConsentTerms", "DocumentKind", "EventAssessor", "Evidence", "EvidenceRequest", "Form",
    "Notification", "NotificationQuerySet", "SelfAssessment", "Signature", "StoredFile",
    "met_validator", "nik_validator", "phone_validator", "private_upload_path",
    "ArchiveImmutableError", "ArchivedDocument", "RenderBatch", "RenderRequest",
    "archive_upload_path",
    "AssignmentOverride", "TUKVerification",
]
