from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from collector.signals import clips_erased
        from releases.services import releases_withdraw

        clips_erased.connect(releases_withdraw, dispatch_uid="releases-withdraw")
