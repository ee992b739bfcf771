from django.urls import path

from training import api, data_map_api

urlpatterns = [
    path("training/campaigns/<slug:slug>/data/", api.CampaignDataApi.as_view(), name="api-training-campaign-data"),
    path("training/campaigns/<slug:slug>/data-map/", data_map_api.DataMapApi.as_view(), name="api-training-data-map"),
    path("training/jobs/", api.JobListApi.as_view(), name="api-training-jobs"),
    path("training/jobs/<int:job_id>/", api.JobDetailApi.as_view(), name="api-training-job"),
    path("training/jobs/<int:job_id>/cancel/", api.JobCancelApi.as_view(), name="api-training-job-cancel"),
    path("training/jobs/<int:job_id>/retrain/", api.JobRetrainApi.as_view(), name="api-training-job-retrain"),
    path("training/jobs/<int:job_id>/publish/", api.JobPublishApi.as_view(), name="api-training-job-publish"),
    path("training/jobs/<int:job_id>/confusion.png", api.JobConfusionApi.as_view(), name="api-training-job-confusion"),
]
