import json

from django.core.management.base import BaseCommand, CommandError

from collector.models import Clip
from collector.selectors import campaign_by_slug_or_name
from core.errors import ApplicationError
from training.data_map import STEPS, data_map_create, data_map_run

TABLE = "{keyword:<14}  {heard:<14}  {share:>5}  {split:<10}  {clip}"


class Command(BaseCommand):
    help = (
        "Compute a campaign's data map in place: every valid, prepared clip placed in 2-D (t-SNE after PCA) by the "
        "penultimate layer of its last trained commands model, with the outliers (clips most of whose nearest "
        "neighbours are another word). Stores it for the data map page and prints the outliers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="campaign slug or name")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="the stored map as one JSON object: campaign, job, clips, outliers (clip ids), params, points",
        )

    def handle(self, campaign: str, as_json: bool, **options):
        target = campaign_by_slug_or_name(campaign)
        if target is None:
            raise CommandError(f"no campaign '{campaign}'")
        try:
            queued = data_map_create(campaign=target)
            self.stderr.write(f"computing the data map by job {queued.job_id} ({', '.join(STEPS)})")
            done = data_map_run(map_id=queued.id)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        outliers = [p for p in done.points if p["outlier"]]
        if as_json:
            body = {
                "campaign": target.slug,
                "job": done.job_id,
                "clips": done.clips,
                "outliers": [p["id"] for p in outliers],
                "params": done.params,
                "summary": done.summary,
                "points": done.points,
            }
            self.stdout.write(json.dumps(body))
            return
        self.stdout.write(
            f"{done.clips} clips of {len(done.summary['keywords'])} words mapped by job {done.job_id}: "
            f"{done.outliers} outliers (most of their {done.params['neighbours']} nearest clips are another word)"
        )
        if done.summary["not_on_map"]:
            self.stdout.write(f"{done.summary['not_on_map']} valid clips are not prepared yet and not on the map")
        if not outliers:
            return
        paths = dict(Clip.objects.filter(id__in=[p["id"] for p in outliers]).values_list("id", "source_path"))
        paths = {str(k): v for k, v in paths.items()}
        self.stdout.write(TABLE.format(keyword="keyword", heard="among", share="same", split="split", clip="clip"))
        for p in sorted(outliers, key=lambda p: (p["same_share"], p["id"])):
            self.stdout.write(
                TABLE.format(
                    keyword=p["keyword"],
                    heard=p["neighbours_say"],
                    share=f"{p['same_share']:.0%}",
                    split=p["split"],
                    clip=paths.get(p["id"]) or p["id"],
                )
            )
