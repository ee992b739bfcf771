"""Migration helpers for models that move between apps while their tables stay where they are."""

from __future__ import annotations

from django.db import migrations


def content_types_moved(*, models: list[str], old_app: str, new_app: str) -> migrations.RunPython:
    """Re-label the models' content types, so permissions and admin history follow them to their new app."""

    def forwards(apps, schema_editor, old=old_app, new=new_app):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=new, model__in=models).delete()  # made by a post_migrate run in between
        ContentType.objects.filter(app_label=old, model__in=models).update(app_label=new)

    def backwards(apps, schema_editor):
        forwards(apps, schema_editor, old=new_app, new=old_app)

    return migrations.RunPython(forwards, backwards)
