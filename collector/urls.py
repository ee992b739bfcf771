from django.urls import path

from collector import api

urlpatterns = [
    path("campaigns/", api.CampaignListApi.as_view(), name="api-campaigns"),
    path("campaigns/<slug:slug>/consent/", api.ConsentApi.as_view(), name="api-consent"),
    path("campaigns/<slug:slug>/prompt/", api.PromptApi.as_view(), name="api-prompt"),
    path("campaigns/<slug:slug>/clips/", api.ClipUploadApi.as_view(), name="api-clip-upload"),
    path("me/demographics/", api.DemographicsApi.as_view(), name="api-demographics"),
    path("me/clips/", api.MyClipsApi.as_view(), name="api-my-clips"),
    path("me/clips/<uuid:clip_id>/", api.MyClipApi.as_view(), name="api-my-clip"),
    path("me/clips/<uuid:clip_id>/audio/", api.MyClipAudioApi.as_view(), name="api-my-clip-audio"),
    path("me/", api.MyDataApi.as_view(), name="api-my-data"),
]
