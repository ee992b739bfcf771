from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class UploadContributorThrottle(SimpleRateThrottle):
    scope = "upload_contributor"

    def get_rate(self):
        return settings.CHORUS_UPLOAD_RATE_CONTRIBUTOR

    def get_cache_key(self, request, view):
        contributor = request.auth
        if contributor is None:
            return None  # no contributor yet: the address throttle still applies
        return self.cache_format % {"scope": self.scope, "ident": contributor.pk}


class UploadAddressThrottle(SimpleRateThrottle):
    scope = "upload_address"

    def get_rate(self):
        return settings.CHORUS_UPLOAD_RATE_ADDRESS

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
