from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import PermissionDenied

from collector.middleware import contributor_of


class ContributorAuthentication(BaseAuthentication):
    """The anonymous contributor cookie is a credential, so requests that use it must pass CSRF.

    So must a caller without the cookie: its consent POST creates the identity and records "18+, licence
    accepted", which a page on another site must not be able to do in a visitor's browser. (Chorus has no
    header-token authentication; CSRF is checked for unsafe methods only.)"""

    def authenticate(self, request):
        contributor = contributor_of(request._request)
        check = CSRFCheck(lambda req: None)
        check.process_request(request._request)
        reason = check.process_view(request._request, None, (), {})
        if reason:
            raise PermissionDenied(f"CSRF failed: {reason}")
        if contributor is None:
            return None
        return (request._request.user, contributor)
