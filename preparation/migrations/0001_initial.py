"""The preparation models, moved out of training: their tables (training_*) and rows stay as they are."""

import django.db.models.deletion
from django.db import migrations, models

from core.migration_ops import content_types_moved


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("collector", "0006_clip_no_status_index"),
        ("training", "0005_trainingjob_retrained_from_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BackgroundNoise",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("audio", models.FileField(max_length=255, upload_to="noise/")),
                        ("duration_s", models.FloatField()),
                        ("sample_rate", models.PositiveIntegerField()),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="background_noise",
                                to="collector.campaign",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "training_backgroundnoise",
                    },
                ),
                migrations.CreateModel(
                    name="PreparedClip",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("dropped", "Dropped"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=8,
                            ),
                        ),
                        (
                            "split",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("training", "Training"),
                                    ("validation", "Validation"),
                                    ("testing", "Testing"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("cleaned_audio", models.FileField(blank=True, max_length=255, upload_to="")),
                        ("cleaning_params", models.JSONField(blank=True, default=dict)),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(
                                default=0, help_text="Claims so far; also the fencing token of the current claim."
                            ),
                        ),
                        (
                            "lease_until",
                            models.DateTimeField(
                                blank=True,
                                help_text="A running claim older than this belongs to a dead worker.",
                                null=True,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("enqueued_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "clip",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="preparation",
                                to="collector.clip",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "training_preparedclip",
                    },
                ),
                migrations.CreateModel(
                    name="ClipFeatures",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("clip_sha256", models.CharField(max_length=64)),
                        ("params_hash", models.CharField(max_length=12)),
                        ("frames", models.PositiveSmallIntegerField()),
                        ("channels", models.PositiveSmallIntegerField()),
                        ("data", models.BinaryField(help_text="float32, little-endian, frames x channels")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "preparation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="features",
                                to="preparation.preparedclip",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "training_clipfeatures",
                    },
                ),
                migrations.AddIndex(
                    model_name="preparedclip",
                    index=models.Index(fields=["state", "id"], name="prepared_clip_claim"),
                ),
                migrations.AddIndex(
                    model_name="clipfeatures",
                    index=models.Index(fields=["clip_sha256", "params_hash"], name="training_cl_clip_sh_c41090_idx"),
                ),
                migrations.AddConstraint(
                    model_name="clipfeatures",
                    constraint=models.UniqueConstraint(
                        fields=("preparation", "params_hash"), name="features_once_per_params"
                    ),
                ),
            ],
            database_operations=[],
        ),
        content_types_moved(
            models=["preparedclip", "clipfeatures", "backgroundnoise"], old_app="training", new_app="preparation"
        ),
    ]
