from django.contrib import admin

from exporter.models import PackageDownload


@admin.register(PackageDownload)
class PackageDownloadAdmin(admin.ModelAdmin):
    list_display = ["user", "job", "at"]
    readonly_fields = ["user", "job", "at"]

    def has_add_permission(self, request):
        return False  # recorded by the download itself
