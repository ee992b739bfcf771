"""One architecture registry (kws.architectures.ARCHITECTURES): the API, the train command, the training page
and the defaults all offer exactly what it holds."""

import re

import pytest
from django.core.management import load_command_class

from kws import architectures
from kws.train import DEFAULT_EPOCHS, TrainParams
from training.jobs import job_launch
from training.serializers import JobLaunchInput

pytestmark = pytest.mark.django_db


def test_every_consumer_offers_the_registry_and_its_default():
    names = list(architectures.ARCHITECTURES)
    field = JobLaunchInput().fields["architecture"]
    assert list(field.choices) == names and field.default == architectures.DEFAULT_ARCHITECTURE
    parser = load_command_class("training", "train").create_parser("manage.py", "train")
    arch = next(action for action in parser._actions if action.dest == "arch")
    assert list(arch.choices) == names and arch.default == architectures.DEFAULT_ARCHITECTURE
    assert TrainParams().architecture == architectures.DEFAULT_ARCHITECTURE
    epochs = next(action for action in parser._actions if action.dest == "epochs")
    assert JobLaunchInput().fields["epochs"].default == epochs.default == TrainParams().epochs == DEFAULT_EPOCHS
    assert job_launch.__kwdefaults__["architecture"] == architectures.DEFAULT_ARCHITECTURE


def test_the_training_page_offers_each_registered_architecture_by_its_label(staff_client, demo_campaign):
    page = staff_client.get("/training/").content.decode()
    options = re.findall(
        r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page.split('id="architecture"', 1)[1].split("</select>", 1)[0]
    )
    assert options == [(a.name, a.label) for a in architectures.ARCHITECTURES.values()]


def test_each_registered_architecture_builds_a_model_of_the_feature_shape():
    for name in architectures.ARCHITECTURES:
        model = architectures.build(name, (49, 40), 4)
        assert tuple(model.input_shape[1:]) == (49, 40) and model.output_shape[-1] == 4
    with pytest.raises(ValueError, match="choose one of ds_cnn, tiny_conv"):
        architectures.build("resnet", (49, 40), 4)
