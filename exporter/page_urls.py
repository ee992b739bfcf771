from django.urls import include, path

from exporter import views

urlpatterns = [
    path("releases/", views.release_list, name="releases"),
    path("releases/terms/", views.terms, name="dataset-terms"),
    path("releases/<int:release_id>/", views.release_detail, name="release"),
    path("releases/<int:release_id>/download", views.release_download, name="release-download"),
    path("training/jobs/<int:job_id>/package.zip", views.model_package, name="model-package"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
]
