from django.core.management.base import BaseCommand, CommandError

from collector.selectors import campaign_by_slug_or_name
from collector.synthesis import DEFAULT_TAKES, DEFAULT_VOICES
from core.errors import ApplicationError
from core.progress import ProgressBar
from kws import espeak
from preparation.synthesis import starter_voices_add


class Command(BaseCommand):
    # Here, not in collector/, because a campaign without background noise also gets synthetic noise beds.
    help = (
        "Synthesize starter clips for every keyword of a campaign from espeak-ng voices (accent, variant, pitch, "
        "speed, vocal-tract warp) over background noise at varied SNR. Valid at once, no review. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="campaign slug or name")
        parser.add_argument("--voices", type=int, default=DEFAULT_VOICES, help="how many synthetic voices")
        parser.add_argument("--takes", type=int, default=DEFAULT_TAKES, help="clips per voice and keyword")
        parser.add_argument("--keywords", default="", help="comma-separated keywords (default: all of them)")
        parser.add_argument("--seed", type=int, default=0, help="another seed gives other voices")

    def handle(self, campaign: str, voices: int, takes: int, keywords: str, seed: int, **options):
        target = campaign_by_slug_or_name(campaign)
        if target is None:
            raise CommandError(f"no campaign '{campaign}'")
        bar = ProgressBar(voices, "synthesizing voices", stream=self.stderr._out)
        try:
            report, beds = starter_voices_add(
                campaign=target,
                voices=voices,
                takes=takes,
                keywords=[k.strip() for k in keywords.split(",") if k.strip()] or None,
                seed=seed,
                progress=lambda done, total: bar.update(1),
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        bar.close()
        self.stdout.write(
            f"synthesized {report.created} clips from {report.voices} voices with {espeak.engine()} "
            f"({report.already_present} already present), {beds} noise beds added"
        )
