from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ContributorCookieScheme(OpenApiAuthenticationExtension):
    target_class = "collector.authentication.ContributorAuthentication"
    name = "contributorCookie"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "chorus_contributor",
            "description": "Anonymous contributor token, set when consent is given.",
        }
