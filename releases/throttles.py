"""Throttles of developer accounts: sign-up, accepting the dataset terms, release downloads."""

from core.throttles import AccountOrAddressThrottle, AddressThrottle


class SignupAddressThrottle(AddressThrottle):
    scope = "signup_address"
    rate_setting = "CHORUS_SIGNUP_RATE_ADDRESS"


class TermsThrottle(AccountOrAddressThrottle):
    scope = "terms"
    rate_setting = "CHORUS_TERMS_RATE"


class ReleaseDownloadThrottle(AccountOrAddressThrottle):
    """One budget for the API and the download page: both hand out the same archives."""

    scope = "release_download"
    rate_setting = "CHORUS_RELEASE_DOWNLOAD_RATE"
