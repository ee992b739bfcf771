from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import PermissionDenied

from collector.middleware import contributor_of


class ContributorAuthentication(BaseAuthentication):
    """The anonymous contributor cookie is a credential, so requests that use it must pass CSRF."""

    def authenticate(self, request):
        contributor = contributor_of(request._request)
        if contributor is None:
            return None
        check = CSRFCheck(lambda req: None)
        check.process_request(request._request)
        reason = check.process_view(request._request, None, (), {})
        if reason:
            raise PermissionDenied(f"CSRF failed: {reason}")
        return (request._request.user, contributor)
