"""`make bench`: a PostgreSQL dataset at LSP scale, the app under gunicorn, figures per page
against a baseline view (docs/performance.md)."""
