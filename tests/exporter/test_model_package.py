"""Model packages from a real (tiny) trained job: the files, the golden vectors under TFLM, determinism, the command."""

import io
import json
import re
import zipfile

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from collector.models import Campaign
from core.errors import Conflict
from core.stored_audio import stored_audio_load
from exporter import model_package
from kws.firmware import c_float
from kws.package import golden_signals
from tests.conftest import CAMPAIGN
from tests.training.test_jobs import synthetic_campaign
from training import jobs
from training.models import TrainingJob

pytestmark = pytest.mark.django_db
BASE_ENTRIES = [
    "README.md",
    "model.tflite",
    "model_float.tflite",
    "model_data.cc",
    "model_data.h",
    "labels.txt",
    "features.json",
    "model_settings.h",
    "recognizer.json",
    "metrics.json",
    "model_card.md",
    "golden_vectors.json",
]


@pytest.fixture(scope="module")
def trained(django_db_setup, django_db_blocker, tmp_path_factory):
    """One tiny job trained for the module, in a transaction rolled back at its end; its media in a module folder."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        campaign = Campaign.objects.get(slug=CAMPAIGN)
        synthetic_campaign(tmp_path_factory.mktemp("sc"), campaign, speakers=20)
        job = jobs.job_launch(
            campaign=campaign, keywords=["yes", "no", "up"], architecture="tiny_conv", epochs=2, seed=1
        )
        job = jobs.job_run(job_id=job.id)
        assert job.state == "succeeded", job.error
        yield {"job_id": job.id, "media": str(media)}
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _trained_media(trained, _isolated_media_and_cache, settings):
    settings.MEDIA_ROOT = trained["media"]


@pytest.fixture
def job(trained) -> TrainingJob:
    return TrainingJob.objects.select_related("campaign").get(id=trained["job_id"])


@pytest.fixture
def package(job) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    names = model_package.write_model_package(job, buffer)
    archive = zipfile.ZipFile(buffer)
    assert archive.namelist() == names and archive.testzip() is None
    return archive


def stored(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def test_package_holds_the_stored_models_and_the_c_array(job, package):
    names = package.namelist()
    assert names[: len(BASE_ENTRIES)] == BASE_ENTRIES
    assert all(n.startswith("firmware/") for n in names[len(BASE_ENTRIES) :])
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in package.infolist())
    model = package.read("model.tflite")
    assert model == stored(job.model_int8) and model[4:8] == b"TFL3"
    assert package.read("model_float.tflite") == stored(job.model_float)
    source = package.read("model_data.cc").decode()
    assert (
        "alignas(16) const unsigned char g_model[] = {" in source and f"const int g_model_len = {len(model)};" in source
    )
    body = source.split("{", 1)[1].split("};", 1)[0]
    assert bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", body)) == model
    header = package.read("model_data.h").decode()
    assert "extern const unsigned char g_model[];" in header and "extern const int g_model_len;" in header
    assert (
        package.read("labels.txt").decode().splitlines() == job.labels == ["_silence_", "_unknown_", "yes", "no", "up"]
    )
    assert model_package.model_package_filename(job) == f"chorus-{CAMPAIGN}-job-{job.id}-model.zip"


def test_metrics_recognizer_and_model_card(job, package):
    metrics = json.loads(package.read("metrics.json"))
    assert metrics["job_id"] == job.id and metrics["feature_params_hash"] == job.feature_params_hash == "3780cad92091"
    assert (
        metrics["code_version"] == job.code_version
        and metrics["arena_bytes"] == job.arena_bytes > 0
        and metrics["ops"] == job.ops
    )
    assert metrics["int8_tflm_top1"] == job.metrics["int8_tflm_top1"] and metrics["trained_on_withdrawn_data"] is False
    recognizer = json.loads(package.read("recognizer.json"))
    chosen = job.metrics["device"]["chosen"]  # the operating point the job chose ships, not a fixed default
    assert recognizer["labels"] == job.labels and recognizer["stride_ms"] == 100
    for key in ("average_window_ms", "detection_threshold", "suppression_ms", "minimum_count"):
        assert recognizer[key] == chosen[key]
    settings_h = package.read("model_settings.h").decode()
    assert f"#define CHORUS_DETECTION_THRESHOLD {c_float(chosen['detection_threshold'])}" in settings_h
    assert f"#define CHORUS_AVERAGE_WINDOW_MS {chosen['average_window_ms']}" in settings_h
    assert package.read("model_card.md").decode() == job.model_card
    readme = package.read("README.md").decode()
    assert readme.startswith(f"# Chorus model package: training job {job.id}") and "WARNING" not in readme
    assert all(
        f"`{name}`" in readme for name in ["model.tflite", "labels.txt", "golden_vectors.json", "model_settings.h"]
    )


def test_features_json_recomputes_the_golden_features_with_librosa_alone(job, package):
    import librosa

    doc = json.loads(package.read("features.json"))
    golden = json.loads(package.read("golden_vectors.json"))
    signals = golden_signals(job.features)
    assert len(signals) == len(golden["vectors"]) == 5
    for (name, samples), vector in zip(signals, golden["vectors"]):
        audio = samples[: doc["clip_samples"]].astype(np.float64)
        audio = np.pad(audio, (0, doc["clip_samples"] - len(audio)))
        mel = librosa.feature.melspectrogram(
            y=audio,
            sr=doc["sample_rate"],
            n_fft=doc["n_fft"],
            hop_length=doc["hop_samples"],
            win_length=doc["window_samples"],
            window=doc["window"],
            center=doc["center"],
            power=doc["power"],
            n_mels=doc["n_mels"],
            fmin=doc["fmin"],
            fmax=doc["fmax"],
            htk=doc["mel_htk"],
            norm=doc["mel_norm"],
        ).T
        packaged = np.array(vector["features"], dtype=np.float32)
        assert packaged.shape == mel.shape == (doc["frames"], doc["channels"]) and vector["signal"] == name
        relative = np.abs(np.exp(packaged.astype(np.float64)) - doc["log_offset"] - mel) / np.maximum(
            mel, doc["log_offset"]
        )
        assert relative.max() <= 1e-4
        # normalization, then input quantization, both from features.json, give the int8 input exactly
        norm, quant = doc["normalization"], doc["input_quantization"]
        x = (packaged - norm["mean"]) / norm["std"]
        q = np.clip(np.round(x / quant["scale"]) + quant["zero_point"], -128, 127).astype(np.int8)
        assert np.array_equal(q, np.array(vector["input_int8"], dtype=np.int8))


def test_golden_vectors_reproduce_exactly_under_tflm_from_the_packaged_model(job, package):
    from tflite_micro.python.tflite_micro import runtime

    golden = json.loads(package.read("golden_vectors.json"))
    model = package.read("model.tflite")
    assert (
        golden["labels"] == job.labels
        and golden["input_shape"] == [1, 49, 40]
        and golden["arena_bytes"] == job.arena_bytes
    )
    assert (
        golden["input_quantization"]
        == json.loads(package.read("features.json"))["input_quantization"]
        == job.metrics["input_quantization"]
    )
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=golden["arena_bytes"])
    for vector in golden["vectors"]:
        assert set(vector) == {
            "signal",
            "predicted",
            "features",
            "input_int8",
            "output_int8",
        }  # no audio, clip or speaker
        interpreter.set_input(np.array(vector["input_int8"], dtype=np.int8)[None], 0)
        interpreter.invoke()
        output = interpreter.get_output(0)[0]
        assert output.tolist() == vector["output_int8"] and len(output) == len(job.labels)
        assert vector["predicted"] == job.labels[int(np.argmax(output))]
    assert [v["signal"] for v in golden["vectors"]] == [name for name, _ in golden_signals(job.features)]


def test_golden_vectors_hold_no_features_of_any_recording(job, package):
    """Log-mel features are close to invertible: the vectors come from synthetic signals, not the test clips."""
    from kws import features
    from preparation.models import PreparedClip

    golden = json.loads(package.read("golden_vectors.json"))
    packaged = np.array([v["features"] for v in golden["vectors"]], dtype=np.float32)
    signals = np.stack([samples for _, samples in golden_signals(job.features)])
    assert np.allclose(packaged, features.featurize_batch(signals, job.features), atol=1e-5)
    names = PreparedClip.objects.filter(clip_id__in=job.clip_ids).values_list("cleaned_audio", flat=True)
    recorded = np.stack([features.fit_length(stored_audio_load(n)[0], job.features) for n in names])
    clip_features = features.featurize_batch(recorded, job.features)
    distances = np.abs(packaged[:, None] - clip_features[None]).max(axis=(2, 3))
    assert distances.shape == (5, len(names)) and distances.min() > 0.5  # not one of the job's clips, not close


def test_model_settings_header_and_the_sketch_are_generated_for_this_model(job, package):
    header = package.read("model_settings.h").decode()
    macros = dict(re.findall(r"^#define (CHORUS_\w+) (.+?)(?:\s+//.*)?$", header, re.M))
    number = lambda name: int(macros[name].strip("()"))  # noqa: E731  negative values come parenthesized
    assert (
        number("CHORUS_LABEL_COUNT") == len(job.labels)
        and number("CHORUS_FRAMES") == 49
        and number("CHORUS_CHANNELS") == 40
    )
    assert macros["CHORUS_LABELS"] == "{" + ", ".join(f'"{label}"' for label in job.labels) + "}"
    assert (
        number("CHORUS_INPUT_ZERO_POINT") == job.metrics["input_quantization"]["zero_point"]
        and number("CHORUS_PLACEHOLDER") == 0
    )
    assert number("CHORUS_ARENA_MEASURED_BYTES") == job.arena_bytes and number("CHORUS_MODEL_BYTES") == len(
        package.read("model.tflite")
    )
    assert macros["CHORUS_FEATURES_HASH"] == '"3780cad92091"'
    sketch = [n for n in package.namelist() if n.startswith("firmware/")]
    assert sketch == sorted(sketch) and all(n.startswith("firmware/chorus_kws/") for n in sketch)
    assert package.read("firmware/chorus_kws/model_settings.h") == package.read("model_settings.h")
    assert package.read("firmware/chorus_kws/model_data.cpp") == package.read("model_data.cc")
    assert {
        "firmware/chorus_kws/chorus_kws.ino",
        "firmware/chorus_kws/src/chorus_features.c",
        "firmware/chorus_kws/README.md",
    } <= set(sketch)


def test_two_exports_are_the_same_bytes(job):
    first, second = io.BytesIO(), io.BytesIO()
    model_package.write_model_package(job, first)
    progress = []
    model_package.write_model_package(
        TrainingJob.objects.get(id=job.id), second, on_progress=lambda done, total: progress.append((done, total))
    )
    assert first.getvalue() == second.getvalue()
    assert progress == [(i, 4) for i in range(1, 5)]
    assert {i.date_time for i in zipfile.ZipFile(first).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_job_trained_on_withdrawn_data_says_so_at_the_top(job):
    job.withdrawn_clips = 3  # as if three of its clips had been erased
    buffer = io.BytesIO()
    model_package.write_model_package(job, buffer)
    archive = zipfile.ZipFile(buffer)
    for name in ["README.md", "model_card.md"]:
        text = archive.read(name).decode()
        assert text.startswith(
            f"> **WARNING: this model was trained on withdrawn data.** 3 of the {len(job.clip_ids)} clips"
        )
        assert "\n\n# " in text  # the warning is a paragraph of its own, above the title
    metrics = json.loads(archive.read("metrics.json"))
    assert metrics["trained_on_withdrawn_data"] is True and metrics["withdrawn_clips"] == 3


def test_only_a_succeeded_job_exports(job):
    queued = jobs.job_launch(campaign=job.campaign, keywords=["yes"], architecture="tiny_conv", epochs=1)
    with pytest.raises(Conflict, match=f"training job {queued.id} is queued"):
        model_package.write_model_package(queued, io.BytesIO())


def test_command_writes_the_zip_atomically_and_prints_a_summary(job, tmp_path):
    out = io.StringIO()
    call_command("export_model", str(job.id), "--out", str(tmp_path / "model.zip"), stdout=out, stderr=io.StringIO())
    assert [p.name for p in tmp_path.iterdir()] == ["model.zip"]
    with zipfile.ZipFile(tmp_path / "model.zip") as archive:
        names = archive.namelist()
        assert archive.read("model.tflite") == stored(job.model_int8)
    size = (tmp_path / "model.zip").stat().st_size
    assert f"wrote {tmp_path / 'model.zip'}: {len(names)} entries, {size:,} bytes" in out.getvalue()
    assert "model_data.cc" in out.getvalue()


def test_command_leaves_nothing_behind_when_it_fails(job, tmp_path, monkeypatch):
    target = tmp_path / "model.zip"
    with pytest.raises(CommandError, match="no training job 999999"):
        call_command("export_model", "999999", "--out", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    queued = jobs.job_launch(campaign=job.campaign, keywords=["yes"], architecture="tiny_conv", epochs=1)
    with pytest.raises(CommandError, match=f"training job {queued.id} is queued: only a finished job has a model"):
        call_command("export_model", str(queued.id), "--out", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="is not a directory"):
        call_command(
            "export_model",
            str(job.id),
            "--out",
            str(tmp_path / "missing" / "model.zip"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not list(tmp_path.iterdir())

    def half_then_crash(job, fileobj, *, on_progress=None):
        fileobj.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr("exporter.targets.write_model_package", half_then_crash)
    target.write_bytes(b"the previous export")
    with pytest.raises(OSError, match="disk full"):
        call_command("export_model", str(job.id), "--out", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    assert [p.name for p in tmp_path.iterdir()] == ["model.zip"] and target.read_bytes() == b"the previous export"


def test_packages_download_through_the_same_gate_as_releases(job, staff_client):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from exporter.models import PackageDownload
    from releases.downloads import terms_accept

    url = f"/api/training/jobs/{job.id}/package/"
    hidden = Client().get(url)  # not published: nobody outside staff gets it by guessing its id
    assert hidden.status_code == 404 and "no published model" in hidden.json()["detail"]
    assert Client().get("/api/models/").json() == []
    published = staff_client.post(f"/api/training/jobs/{job.id}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    listed = Client().get("/api/models/").json()
    assert [(m["id"], m["keywords"], m["int8_accuracy"], m["package_url"]) for m in listed] == [
        (job.id, ["yes", "no", "up"], job.metrics["int8_tflm_top1"], f"/api/models/{job.id}/package/")
    ]
    page = Client().get("/models/").content.decode()
    assert f'href="/models/{job.id}/package.zip"' in page and "yes, no, up" in page
    assert Client().get(url).status_code == 401
    page = Client().get(f"/training/jobs/{job.id}/package.zip")
    assert page.status_code == 302 and page["Location"] == f"/accounts/login/?next=/training/jobs/{job.id}/package.zip"
    user = get_user_model().objects.create_user("dev", "dev@example.org", "a-long-password-1")
    developer = Client()
    developer.force_login(user)
    assert developer.get(url).status_code == 403
    terms_accept(user=user)
    response = developer.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].endswith(
        f'"{model_package.model_package_filename(job)}"'
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist()[: len(BASE_ENTRIES)] == BASE_ENTRIES and archive.read("model.tflite") == stored(
        job.model_int8
    )
    assert list(PackageDownload.objects.values_list("user__username", "job_id")) == [("dev", job.id)]

    TrainingJob.objects.filter(id=job.id).update(withdrawn_clips=2)
    refused = developer.get(url)
    assert refused.status_code == 410 and "trained on 2 clips whose speakers withdrew" in refused.json()["detail"]
    [withdrawn] = Client().get("/api/models/").json()
    assert withdrawn["trained_on_withdrawn_data"] and not withdrawn["downloadable"] and withdrawn["package_url"] is None
    assert "Trained on withdrawn data: not downloadable" in Client().get("/models/").content.decode()
    assert staff_client.get(url).status_code == 200  # staff keep access, to compare with the retrained model
