"""Writes to the assessment record, by concern. Import services from ``assessments.services``."""

from assessments.services.admin import *  # noqa: F403
from assessments.services.admin import __all__ as _admin_all
from assessments.services.application import *  # noqa: F403
from assessments.services.application import __all__ as _application_all
from assessments.services.assessor import *  # noqa: F403
from assessments.services.assessor import __all__ as _assessor_all
from assessments.services.participation import *  # noqa: F403
from assessments.services.participation import __all__ as _participation_all
from assessments.services.privacy import *  # noqa: F403
from assessments.services.privacy import __all__ as _privacy_all
from assessments.services.transitions import (
    TransitionRefused,
    assessment_accept,
    assessment_clear,
    assessment_create,
    assessment_decide,
    assessment_mark_absent,
    assessment_prepare,
    assessment_recommend,
    assessment_reject,
    assessment_reopen,
    assessment_report,
    assessment_return,
    assessment_schedule,
    assessment_start,
    assessment_submit,
    assessment_withdraw,
    notify,
)
from assessments.services.verification import *  # noqa: F403
from assessments.services.verification import __all__ as _verification_all

__all__ = [
    "TransitionRefused",
    "assessment_accept",
    "assessment_clear",
    "assessment_create",
    "assessment_decide",
    "assessment_mark_absent",
    "assessment_prepare",
    "assessment_recommend",
    "assessment_reject",
    "assessment_reopen",
    "assessment_report",
    "assessment_return",
    "assessment_schedule",
    "assessment_start",
    "assessment_submit",
    "assessment_withdraw",
    "notify",
    *_admin_all,
    *_application_all,
    *_assessor_all,
    *_participation_all,
    *_privacy_all,
    *_verification_all,
]
