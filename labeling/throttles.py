"""Vote throttles: per voter, and per address (voters are cheap to mint; an address is not)."""

from core.throttles import AddressThrottle, SettingRateThrottle


class VoteVoterThrottle(SettingRateThrottle):
    scope = "vote_voter"
    rate_setting = "CHORUS_VOTE_RATE_VOTER"

    def ident(self, request):
        if request.auth is not None:  # the contributor cookie
            return f"contributor-{request.auth.pk}"
        if request.user.is_authenticated:  # a reviewer account without the cookie
            return f"user-{request.user.pk}"
        return None  # refused as consent_required anyway; the address throttle still counts it


class VoteAddressThrottle(AddressThrottle):
    scope = "vote_address"
    rate_setting = "CHORUS_VOTE_RATE_ADDRESS"
