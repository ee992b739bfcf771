"""Release, ReleaseClip, TermsAcceptance and Download now belong to the releases app; their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("exporter", "0002_package_downloads"),
        ("releases", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Download"),
                migrations.DeleteModel(name="ReleaseClip"),
                migrations.DeleteModel(name="TermsAcceptance"),
                migrations.DeleteModel(name="Release"),
            ],
            database_operations=[],
        ),
    ]
