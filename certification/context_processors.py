"""Template context shared by every page rendered with a request."""

from django.http import HttpRequest

from certification.models import LSP


def lsp(request: HttpRequest) -> dict:
    """The LSP record (name, licence number) for the navbar and footer.

    LSP.load() is cached, so this costs a query only when the cache is cold. The 500 page never
    uses context processors: the database may be what failed.
    """
    return {"lsp": LSP.load()}
