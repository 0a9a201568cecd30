from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class KompetenLocaleMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the person chose otherwise.

    Django's stock middleware follows the browser's Accept-Language, so a phone set to English
    would get English although the LSP works in Indonesian. Here the order is: the language
    cookie (set by the switcher), then the signed-in user's saved language, then LANGUAGE_CODE.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = None
        if language is None:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                language = getattr(user, "language", None)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
