from django.urls import path

from releases import api

urlpatterns = [
    path("releases/", api.ReleaseListApi.as_view(), name="api-releases"),
    path("releases/notices/", api.NoticesApi.as_view(), name="api-release-notices"),
    path("releases/<int:release_id>/", api.ReleaseDetailApi.as_view(), name="api-release"),
    path("releases/<int:release_id>/download/", api.ReleaseDownloadApi.as_view(), name="api-release-download"),
    path("dataset-terms/", api.TermsApi.as_view(), name="api-dataset-terms"),
]
