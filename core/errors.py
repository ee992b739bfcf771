"""Domain errors and the one place that turns every API error into a JSON body with a human message."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


class ConsentRequired(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "consent_required"


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def _flatten(detail, field: str = "") -> list[str]:
    """Turn DRF's nested error detail into 'field: message' lines."""
    if isinstance(detail, dict):
        return [
            line
            for key, value in detail.items()
            for line in _flatten(value, field if key == "non_field_errors" else f"{field}.{key}".lstrip("."))
        ]
    if isinstance(detail, list):
        return [line for item in detail for line in _flatten(item, field)]
    return [f"{field}: {detail}" if field else str(detail)]


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.code, "detail": exc.message}, status=exc.status_code)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"error": "invalid", "detail": "; ".join(_flatten(exc.detail)), "fields": exc.detail}
    elif isinstance(exc, exceptions.Throttled):
        response.data = {
            "error": "throttled",
            "detail": gettext("too many requests; try again in %(seconds)s s") % {"seconds": f"{exc.wait:.0f}"}
            if exc.wait
            else gettext("too many requests"),
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {"error": exc.default_code, "detail": str(exc.detail)}
    return response
