from rest_framework import serializers


class ErrorOutput(serializers.Serializer):
    """The body of every API error (core.errors.api_exception_handler), for the OpenAPI schema."""

    error = serializers.CharField()
    detail = serializers.CharField()
