"""The dataset-release models, moved out of exporter: their tables (exporter_*) and rows stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import content_types_moved


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("collector", "0006_clip_no_status_index"),
        ("exporter", "0002_package_downloads"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Release",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "name",
                            models.CharField(help_text="Version name, e.g. v1. Unique per campaign.", max_length=64),
                        ),
                        (
                            "licence",
                            models.CharField(help_text="SPDX id the release is published under.", max_length=64),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, help_text="The snapshot time: the clip list is frozen then."
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("progress_done", models.PositiveIntegerField(default=0)),
                        ("progress_total", models.PositiveIntegerField(default=0)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.TextField(blank=True)),
                        ("archive", models.FileField(blank=True, max_length=255, upload_to="")),
                        ("archive_bytes", models.BigIntegerField(blank=True, null=True)),
                        ("archive_sha256", models.CharField(blank=True, max_length=64)),
                        (
                            "summary",
                            models.JSONField(blank=True, default=dict, help_text="Counts shown on the release pages."),
                        ),
                        (
                            "datasheet",
                            models.TextField(blank=True, help_text="DATASHEET.md as written into the archive."),
                        ),
                        (
                            "downloaders_notified_at",
                            models.DateTimeField(
                                blank=True, help_text="Erasures up to then were sent to its downloaders.", null=True
                            ),
                        ),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="releases",
                                to="collector.campaign",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "previous",
                            models.ForeignKey(
                                blank=True,
                                help_text="The release before this one: deletions.tsv lists erasures since then.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="releases.release",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "exporter_release",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Download",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="downloads",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "release",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="downloads",
                                to="releases.release",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "exporter_download",
                        "ordering": ["-at"],
                    },
                ),
                migrations.CreateModel(
                    name="ReleaseClip",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "clip_sha256",
                            models.CharField(
                                help_text="sha256 of the stored upload, as on its tombstone.", max_length=64
                            ),
                        ),
                        ("speaker_hash", models.CharField(db_index=True, max_length=128)),
                        ("keyword", models.CharField(max_length=64)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("valid", "Valid"), ("other", "Other"), ("invalid", "Invalid")], max_length=8
                            ),
                        ),
                        ("split", models.CharField(blank=True, max_length=10)),
                        (
                            "path",
                            models.CharField(
                                blank=True, help_text="Path in the archive (valid clips).", max_length=255
                            ),
                        ),
                        (
                            "file_sha256",
                            models.CharField(blank=True, help_text="sha256 of the file in the archive.", max_length=64),
                        ),
                        (
                            "clip",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="collector.clip",
                            ),
                        ),
                        (
                            "release",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="clips", to="releases.release"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "exporter_releaseclip",
                    },
                ),
                migrations.CreateModel(
                    name="TermsAcceptance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("version", models.CharField(max_length=16)),
                        ("accepted_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="dataset_terms",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "exporter_termsacceptance",
                    },
                ),
                migrations.AddConstraint(
                    model_name="release",
                    constraint=models.UniqueConstraint(
                        fields=("campaign", "name"), name="release_name_unique_per_campaign"
                    ),
                ),
                migrations.AddIndex(
                    model_name="releaseclip",
                    index=models.Index(fields=["clip_sha256"], name="exporter_re_clip_sh_7a0d2f_idx"),
                ),
                migrations.AddIndex(
                    model_name="releaseclip",
                    index=models.Index(fields=["release", "path"], name="exporter_re_release_58323c_idx"),
                ),
                migrations.AddConstraint(
                    model_name="termsacceptance",
                    constraint=models.UniqueConstraint(fields=("user", "version"), name="terms_once_per_version"),
                ),
            ],
            database_operations=[],
        ),
        content_types_moved(
            models=["release", "releaseclip", "termsacceptance", "download"], old_app="exporter", new_app="releases"
        ),
    ]
