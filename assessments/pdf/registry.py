"""Which documents Kompeten can generate: document key -> (subject type, context builder,
template, permission checks), and subject type -> (model, loader scoped to the user).

Adding a document is a builder, a template and one ``register_document`` call. The assessments
documents register in assessments/pdf/documents.py (imported on first use); certification
registers its own (SK, certificate, ...) from its AppConfig.ready() by calling
``register_document`` and, for a new kind of subject, ``register_subject``: the registry lives in
the lower layer and never imports the higher one.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import Http404


def _can_view_with_rules(permission: str) -> Callable[[Any, Model], bool]:
    def check(user, subject) -> bool:
        return bool(user.is_authenticated and user.has_perm(permission, subject))

    return check


@dataclass(frozen=True)
class SubjectType:
    """A kind of subject documents are generated for.

    ``loader(user, pk)`` returns the subject if ``user`` may see it and raises Http404 otherwise
    (the same helper the record's own pages use); ``can_view(user, subject)`` is the object-level
    rule checked again on every download.
    """

    slug: str
    model: str
    loader: Callable[[Any, int], Model]
    can_view: Callable[[Any, Model], bool]

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model_class)


@dataclass(frozen=True)
class DocumentSpec:
    """One generated document.

    ``builder(subject)`` returns the template context (see assessments/pdf/documents.py);
    ``can_request(user, subject)`` and ``can_view(user, subject)`` default to the subject type's
    ``can_view``: who may read the record may generate and download its documents.
    ``code`` and ``title`` are the defaults printed when the LSP configured nothing else.
    """

    key: str
    subject: str
    template: str
    builder: Callable[[Model], dict]
    code: str
    title: str
    can_request: Callable[[Any, Model], bool] | None = None
    can_view: Callable[[Any, Model], bool] | None = None
    extra: dict = field(default_factory=dict)
    # ``renderer(template, context) -> RenderResult`` for a document that is more than one
    # template (the dossier merges other documents); default assessments.pdf.render.render_pdf.
    renderer: Callable[[str, dict], Any] | None = None

    @property
    def subject_type(self) -> SubjectType:
        return get_subject(self.subject)

    def may_request(self, user, subject) -> bool:
        return (self.can_request or self.subject_type.can_view)(user, subject)

    def may_view(self, user, subject) -> bool:
        return (self.can_view or self.subject_type.can_view)(user, subject)


_documents: dict[str, DocumentSpec] = {}
_subjects: dict[str, SubjectType] = {}
_lock = threading.Lock()
_builtin_loaded = False
# Modules whose import registers documents; certification may append its own in ready().
BUILTIN_MODULES = [
    "assessments.pdf.documents",
    "assessments.pdf.documents_instruments",
    "assessments.pdf.documents_event",
    "assessments.pdf.dossier",
]


class RegistryError(LookupError):
    pass


def register_subject(
    slug: str,
    *,
    model: str,
    loader: Callable[[Any, int], Model],
    can_view: Callable[[Any, Model], bool] | None = None,
    permission: str | None = None,
) -> SubjectType:
    """Register a subject type; give ``can_view`` or a django-rules ``permission`` name."""
    if can_view is None:
        if permission is None:
            raise RegistryError(f"Subject type {slug!r} needs can_view or permission.")
        can_view = _can_view_with_rules(permission)
    subject = SubjectType(slug=slug, model=model, loader=loader, can_view=can_view)
    with _lock:
        if slug in _subjects and _subjects[slug] != subject:
            raise RegistryError(f"Subject type {slug!r} is already registered.")
        _subjects[slug] = subject
    return subject


def register_document(spec: DocumentSpec) -> DocumentSpec:
    """Register a document. Keys are unique and at most 32 characters (the archive column)."""
    if len(spec.key) > 32:
        raise RegistryError(f"Document key {spec.key!r} is longer than 32 characters.")
    with _lock:
        existing = _documents.get(spec.key)
        if existing is not None and existing != spec:
            raise RegistryError(f"Document {spec.key!r} is already registered.")
        _documents[spec.key] = spec
    return spec


def _ensure_loaded() -> None:
    global _builtin_loaded
    if _builtin_loaded:
        return
    for module in BUILTIN_MODULES:
        import_module(module)
    _builtin_loaded = True


def get_document(key: str) -> DocumentSpec:
    _ensure_loaded()
    try:
        return _documents[key]
    except KeyError as exc:
        raise RegistryError(f"No document {key!r} is registered.") from exc


def get_subject(slug: str) -> SubjectType:
    _ensure_loaded()
    try:
        return _subjects[slug]
    except KeyError as exc:
        raise RegistryError(f"No subject type {slug!r} is registered.") from exc


def documents() -> dict[str, DocumentSpec]:
    _ensure_loaded()
    return dict(_documents)


def subject_for_content_type(content_type_id: int) -> SubjectType:
    """The registered subject type of an archived row or a request."""
    _ensure_loaded()
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    for subject in _subjects.values():
        if subject.model_class is model:
            return subject
    raise RegistryError(f"No subject type for content type {content_type_id}.")


def document_or_404(key: str, subject_slug: str | None = None) -> DocumentSpec:
    """The registered document (for views): unknown keys and wrong subject types are 404."""
    try:
        spec = get_document(key)
    except RegistryError as exc:
        raise Http404 from exc
    if subject_slug is not None and spec.subject != subject_slug:
        raise Http404
    return spec
