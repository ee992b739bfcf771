"""The public Models page, and staff publishing a job's model from its job page."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from exporter.serializers import PublishedModelOutput
from frontend.markdown import markdown_html
from training import publishing
from training.models import TrainingJob


def model_list(request):
    models = PublishedModelOutput(publishing.published_models(), many=True).data
    return render(request, "frontend/models.html", {"models": models})


def model_detail(request, model_id: int):
    job = publishing.published_models().filter(id=model_id).first()
    if job is None:
        raise Http404(f"no published model {model_id}")
    context = {"model": PublishedModelOutput(job).data, "model_card_html": markdown_html(job.model_card)}
    return render(request, "frontend/model.html", context)


@staff_member_required
@permission_required("training.change_trainingjob", raise_exception=True)
@require_POST
def model_publish(request, job_id: int):
    job = get_object_or_404(TrainingJob.objects.select_related("campaign").defer("clip_ids"), id=job_id)
    try:
        if request.POST.get("action") == "unpublish":
            publishing.model_unpublish(job=job)
            messages.success(request, f"Job {job.id} is no longer on the Models page.")
        else:
            publishing.model_publish(job=job, user=request.user)
            messages.success(request, f"Job {job.id} is published on the Models page.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("training-job", job_id=job.id)
