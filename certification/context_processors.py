def lsp(request):
    return {}
