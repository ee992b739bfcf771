from django.urls import path

from exporter import api

urlpatterns = [
    path("training/jobs/<int:job_id>/package/", api.ModelPackageApi.as_view(), name="api-model-package"),
]
