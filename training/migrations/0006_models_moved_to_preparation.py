"""PreparedClip, ClipFeatures and BackgroundNoise now belong to the preparation app; their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0005_trainingjob_retrained_from_and_more"),
        ("preparation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ClipFeatures"),
                migrations.DeleteModel(name="PreparedClip"),
                migrations.DeleteModel(name="BackgroundNoise"),
            ],
            database_operations=[],
        ),
    ]
