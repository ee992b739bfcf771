"""Model-package downloads get their own table (exporter_packagedownload); exporter_download keeps the release ones.

Until now one table held both, with a check that exactly one of release and job was set. Releases come
before training in the pipeline, so a release download cannot point at a training job: the job rows move.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# SQL, not the ORM: `at` is auto_now_add, and a model save would stamp the moment of the migration on it.
PACKAGE_DOWNLOADS_MOVED = """INSERT INTO exporter_packagedownload (user_id, job_id, at)
SELECT user_id, job_id, at FROM exporter_download WHERE job_id IS NOT NULL ORDER BY id"""
PACKAGE_DOWNLOADS_BACK = """INSERT INTO exporter_download (user_id, job_id, at)
SELECT user_id, job_id, at FROM exporter_packagedownload ORDER BY id"""


class Migration(migrations.Migration):
    dependencies = [
        ("exporter", "0001_initial"),
        ("training", "0005_trainingjob_retrained_from_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PackageDownload",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True)),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="downloads", to="training.trainingjob"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="package_downloads",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at"],
            },
        ),
        migrations.RunSQL(PACKAGE_DOWNLOADS_MOVED, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL("DELETE FROM exporter_download WHERE job_id IS NOT NULL", reverse_sql=PACKAGE_DOWNLOADS_BACK),
        migrations.RemoveConstraint(model_name="download", name="download_of_one_thing"),
        migrations.RemoveField(model_name="download", name="job"),
        migrations.AlterField(
            model_name="download",
            name="release",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="downloads", to="exporter.release"
            ),
        ),
    ]
