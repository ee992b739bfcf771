"""Every page of Chorus outside the Django admin; each stage's pages are one module of frontend/views/."""

from django.urls import include, path

from frontend.views import (
    campaign_editor,
    coverage,
    data_map,
    models,
    packages,
    releases,
    review,
    training,
    try_model,
    volunteer,
)

urlpatterns = [
    path("", volunteer.home, name="home"),
    path("c/<slug:slug>/consent/", volunteer.consent, name="consent"),
    path("c/<slug:slug>/no-thanks/", volunteer.no_thanks, name="no-thanks"),
    path("c/<slug:slug>/about-you/", volunteer.about_you, name="about-you"),
    path("c/<slug:slug>/speak/", volunteer.speak, name="speak"),
    path("my-data/", volunteer.my_data, name="my-data"),
    path("my-data/donated/<int:negative_id>/audio/", volunteer.my_donated_audio, name="my-donated-audio"),
    path("c/<slug:slug>/listen/", review.listen, name="listen"),
    path("admin/labeling/quality/", review.quality_dashboard, name="labeling-quality"),
    path("admin/collector/coverage/", coverage.coverage_heatmap, name="campaign-coverage"),
    path("admin/collector/campaign-editor/", campaign_editor.campaign_editor, name="campaign-editor"),
    path(
        "admin/collector/campaign-editor/consent/",
        campaign_editor.campaign_consent_preview,
        name="campaign-consent-preview",
    ),
    path("campaigns/<slug:slug>/", coverage.campaign_page, name="campaign"),
    path("releases/", releases.release_list, name="releases"),
    path("releases/terms/", releases.terms, name="dataset-terms"),
    path("releases/<int:release_id>/", releases.release_detail, name="release"),
    path("releases/<int:release_id>/download", releases.release_download, name="release-download"),
    path("training/", training.training, name="training"),
    path("training/campaigns/<slug:slug>/data-map/", data_map.data_map_page, name="data-map"),
    path("training/jobs/<int:job_id>/", training.training_job, name="training-job"),
    path("training/jobs/<int:job_id>/retrain", training.training_job_retrain, name="training-job-retrain"),
    path("training/jobs/<int:job_id>/package.zip", packages.model_package, name="model-package"),
    path("training/jobs/<int:job_id>/publish", models.model_publish, name="training-job-publish"),
    path("models/", models.model_list, name="models"),
    path("models/<int:model_id>/", models.model_detail, name="model"),
    path("models/<int:job_id>/package.zip", packages.model_package, name="published-model-package"),
    path("models/<int:model_id>/try/", try_model.try_model, name="try-model"),
    path("api/models/<int:model_id>/try/", try_model.TryScoreApi.as_view(), name="api-try-score"),
    path("api/models/<int:model_id>/try/donate/", try_model.TryDonateApi.as_view(), name="api-try-donate"),
    path("accounts/signup/", releases.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
]
