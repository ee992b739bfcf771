from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/consent/", views.consent, name="consent"),
    path("c/<slug:slug>/no-thanks/", views.no_thanks, name="no-thanks"),
    path("c/<slug:slug>/about-you/", views.about_you, name="about-you"),
    path("c/<slug:slug>/speak/", views.speak, name="speak"),
    path("c/<slug:slug>/listen/", views.listen, name="listen"),
    path("my-data/", views.my_data, name="my-data"),
    path("training/", views.training, name="training"),
    path("training/jobs/<int:job_id>/", views.training_job, name="training-job"),
    path("training/jobs/<int:job_id>/retrain", views.training_job_retrain, name="training-job-retrain"),
]
