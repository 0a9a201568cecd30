"""PDF documents: rendering (render.py), the document registry (registry.py), the context
builders of the assessment forms (documents.py), requests, archive and its verification
(services.py). See docs/pdf.md."""
