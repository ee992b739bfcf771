from django.urls import path

from exporter import api

urlpatterns = [
    path("training/jobs/<int:job_id>/package/", api.ModelPackageApi.as_view(), name="api-model-package"),
    path("models/", api.ModelListApi.as_view(), name="api-models"),
    path("models/<int:model_id>/", api.ModelDetailApi.as_view(), name="api-model"),
    path("models/<int:job_id>/package/", api.ModelPackageApi.as_view(), name="api-published-model-package"),
]
