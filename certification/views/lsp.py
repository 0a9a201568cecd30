"""The LSP's own record, edited by LSP admins; its logo is public (it heads the login page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certification.forms import LSPForm
from certification.models import LSP
from certification.services import lsp_update


@login_required
@require_http_methods(["GET", "POST"])
def lsp_edit(request):
    if not request.user.is_lsp_admin:
        raise PermissionDenied(_("Only an LSP admin can edit the LSP record."))
    instance = LSP.objects.filter(singleton=True).first() or LSP()
    form = LSPForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        lsp_update(actor=request.user, form=form)
        messages.success(request, _("The LSP record was saved."))
        return redirect("lsp_edit")
    return render(request, "certification/lsp_form.html", {"form": form})


def lsp_logo(request):
    lsp = LSP.objects.filter(singleton=True).first()
    if lsp is None or not lsp.logo:
        raise Http404
    response = FileResponse(lsp.logo.open("rb"))
    response["Content-Type"] = "image/png" if lsp.logo.name.endswith(".png") else "image/jpeg"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response
