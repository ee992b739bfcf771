from django.urls import path

from labeling import api

urlpatterns = [
    path("campaigns/<slug:slug>/review/next/", api.NextClipApi.as_view(), name="api-review-next"),
    path("campaigns/<slug:slug>/review/me/", api.MyReviewApi.as_view(), name="api-review-me"),
    path("review/clips/<uuid:clip_id>/audio/", api.ReviewClipAudioApi.as_view(), name="api-review-audio"),
    path("review/clips/<uuid:clip_id>/votes/", api.VoteApi.as_view(), name="api-vote"),
]
