"""What Django's error pages and error e-mails may show of the settings and the environment."""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter

# A URL that carries a user or password: scheme://user:secret@host
_CREDENTIALS_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s]*@", re.I)


class ChorusExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter hides names with KEY, SECRET, PASS, TOKEN...; Chorus also keeps out the speaker pepper
    and every URL or location of a service (database, Redis, broker, result backend, cache, S3 endpoint),
    which name hosts and often embed a password. It applies to settings and to request.META, where runserver
    copies the environment."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE"
        "|PEPPER|DATABASE_URL|REDIS|BROKER|RESULT_BACKEND|LOCATION|ENDPOINT|DSN|CREDENTIAL",
        flags=re.I,
    )

    def cleanse_setting(self, key, value):
        # Whatever its name, a URL with credentials in it is a secret.
        if type(value) is str and _CREDENTIALS_URL.match(value):  # not lazy objects posing as str
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)
