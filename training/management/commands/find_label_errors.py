import json

from django.core.management.base import BaseCommand, CommandError

from collector.selectors import campaign_by_slug_or_name
from core.errors import ApplicationError
from core.progress import ProgressBar
from training.label_errors import label_errors_create, label_errors_run, suspects_of
from training.models import LabelErrorRun

TABLE = "{rank:>5}  {score:>6}  {keyword:<14}  {suspected:<14}  {action:<10}  {clip}"


class Command(BaseCommand):
    help = (
        "Find likely label errors among a campaign's valid clips (out-of-fold probabilities over speaker folds, "
        "ranked by confident learning) and send the suspects back to review. Prints them, most likely first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="campaign slug or name")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="one JSON object a line per suspect (clip, keyword, source_path, score), most likely first",
        )

    def handle(self, campaign: str, as_json: bool, **options):
        target = campaign_by_slug_or_name(campaign)
        if target is None:
            raise CommandError(f"no campaign '{campaign}'")
        run = label_errors_create(campaign=target, trigger=LabelErrorRun.Trigger.COMMAND)
        bar = ProgressBar(run.finder_params["folds"], "finding label errors (folds)", stream=self.stderr._out)

        def fold_done(done: int, total: int) -> None:
            bar.total = total  # fewer folds than asked when there are fewer speakers
            bar.update(1)

        try:
            run = label_errors_run(run_id=run.id, on_fold=fold_done)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        finally:
            bar.close()
        summary = (
            f"{run.clips} clips of {len(run.classes)} keywords, out-of-fold accuracy {run.accuracy:.1%}: "
            f"{run.suspects_found} suspects, {run.sent_to_review} sent back to review; "
            f"{run.review_values} pending clips given a review value"
        )
        suspects = suspects_of(run=run)
        if as_json:
            self.stderr.write(summary)
            for suspect in suspects:
                self.stdout.write(_json_line(suspect))
            return
        self.stdout.write(summary)
        self.stdout.write(
            TABLE.format(rank="rank", score="score", keyword="keyword", suspected="heard", action="action", clip="clip")
        )
        for suspect in suspects:
            self.stdout.write(
                TABLE.format(
                    rank=suspect.rank,
                    score=f"{suspect.score:.3f}",
                    keyword=suspect.keyword.text,
                    suspected=suspect.suspected.text,
                    action=suspect.action,
                    clip=suspect.clip.source_path or suspect.clip_id,
                )
            )


def _json_line(suspect) -> str:
    return json.dumps(
        {
            "clip": str(suspect.clip_id),
            "keyword": suspect.keyword.text,
            "suspected": suspect.suspected.text,
            "source_path": suspect.clip.source_path,
            "score": round(suspect.score, 6),
            "rank": suspect.rank,
            "action": suspect.action,
        }
    )
