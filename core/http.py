from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, HttpResponseRedirect


def audio_response(name: str, *, download_name: str | None = None):
    """Serve stored audio: streamed from local disk, or a short-lived signed URL on S3-style storage."""
    if isinstance(default_storage, FileSystemStorage):
        response = FileResponse(
            default_storage.open(name, "rb"),
            content_type="audio/wav",
            as_attachment=bool(download_name),
            filename=download_name or "",
        )
        response["Cache-Control"] = "private, no-store"
        return response
    return HttpResponseRedirect(default_storage.url(name))
