"""Throttles of the volunteer API: uploads, and consent, which gives a first-time caller an identity."""

from collector.middleware import contributor_of
from core.throttles import AddressThrottle, SettingRateThrottle


def _contributor(request):
    """The cookie's contributor, from a DRF request or a plain Django one."""
    return contributor_of(getattr(request, "_request", request))


class UploadContributorThrottle(SettingRateThrottle):
    scope = "upload_contributor"
    rate_setting = "CHORUS_UPLOAD_RATE_CONTRIBUTOR"

    def ident(self, request):
        contributor = request.auth
        return None if contributor is None else contributor.pk  # no contributor yet: the address throttle applies


class UploadAddressThrottle(AddressThrottle):
    scope = "upload_address"
    rate_setting = "CHORUS_UPLOAD_RATE_ADDRESS"


class ConsentAddressThrottle(AddressThrottle):
    """Every consent given from one address."""

    scope = "consent_address"
    rate_setting = "CHORUS_CONSENT_RATE_ADDRESS"


class IdentityAddressThrottle(AddressThrottle):
    """Consents that create a contributor (a caller without the cookie), stricter: identities are cheap to mint
    and each one is a fresh upload and vote budget."""

    scope = "identity_address"
    rate_setting = "CHORUS_IDENTITY_RATE_ADDRESS"

    def ident(self, request):
        return None if _contributor(request) is not None else super().ident(request)


CONSENT_THROTTLES = (ConsentAddressThrottle, IdentityAddressThrottle)
