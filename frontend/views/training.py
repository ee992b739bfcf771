"""Training pages (staff only): they drive the training API; only retraining posts here."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from collector.models import Campaign, Keyword
from core.errors import ApplicationError
from frontend.markdown import markdown_html
from kws import architectures
from kws import train as kws_train
from training.jobs import job_retrain
from training.models import TrainingJob


@staff_member_required
@permission_required("training.view_trainingjob", raise_exception=True)
@ensure_csrf_cookie
def training(request):
    targets = Prefetch("keywords", queryset=Keyword.objects.filter(is_filler=False).order_by("id"), to_attr="targets")
    campaigns = Campaign.objects.order_by("-active", "name").prefetch_related(targets)
    keywords = {c.slug: [k.text for k in c.targets] for c in campaigns}
    context = {
        "campaigns": campaigns,
        "campaign_keywords": keywords,
        "architectures": [(arch.name, arch.label) for arch in architectures.ARCHITECTURES.values()],
        "default_epochs": kws_train.DEFAULT_EPOCHS,
    }
    return render(request, "frontend/training_list.html", context)


@staff_member_required
@permission_required("training.view_trainingjob", raise_exception=True)
@ensure_csrf_cookie
def training_job(request, job_id: int):
    job = get_object_or_404(TrainingJob.objects.select_related("campaign").defer("clip_ids"), id=job_id)
    return render(request, "frontend/training_job.html", {"job": job, "model_card_html": markdown_html(job.model_card)})


@staff_member_required
@permission_required("training.add_trainingjob", raise_exception=True)
@require_POST
def training_job_retrain(request, job_id: int):
    job = get_object_or_404(TrainingJob.objects.select_related("campaign").defer("clip_ids"), id=job_id)
    try:
        again = job_retrain(job_id=job.id, user=request.user)
    except ApplicationError as exc:
        return render(
            request, "frontend/training_job.html", {"job": job, "retrain_error": exc.message}, status=exc.status_code
        )
    return redirect("training-job", job_id=again.id)
