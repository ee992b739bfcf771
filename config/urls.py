from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.health import healthz

admin.site.site_header = "Chorus administration"
admin.site.site_title = "Chorus admin"
admin.site.index_title = "Campaigns, clips, reviews, releases and models"

urlpatterns = [
    path("", include("frontend.urls")),  # first: its admin/labeling/quality/ page sits inside the admin's prefix
    path("admin/", admin.site.urls),
    path("api/", include("collector.urls")),
    path("api/", include("labeling.urls")),
    path("api/", include("releases.urls")),
    path("api/", include("training.urls")),
    path("api/", include("exporter.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("healthz", healthz, name="healthz"),
    # the nav's language menu posts to set_language; the pages' scripts read their strings from the catalog
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
