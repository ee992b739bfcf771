from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz
from labeling.views import quality_dashboard

urlpatterns = [
    path("admin/labeling/quality/", quality_dashboard, name="labeling-quality"),
    path("admin/", admin.site.urls),
    path("api/", include("collector.urls")),
    path("api/", include("labeling.urls")),
    path("api/", include("training.urls")),
    path("api/", include("exporter.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("", include("exporter.page_urls")),
    path("", include("frontend.urls")),
]
