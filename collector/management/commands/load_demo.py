from django.core.management.base import BaseCommand
from django.db import transaction

from collector.models import Campaign, Keyword, Language

CORE_WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
FILLER_WORDS = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow"]
ENGLISH_ACCENTS = ["American", "Australian", "British", "Canadian", "Indian", "Irish", "Nigerian", "Scottish", "South African"]


class Command(BaseCommand):
    help = "Load the demo campaign: the Speech Commands core words plus ten filler words. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        english, _ = Language.objects.update_or_create(code="en", defaults={"name": "English", "accents": ENGLISH_ACCENTS})
        campaign, created = Campaign.objects.get_or_create(
            slug="speech-commands-demo",
            defaults={
                "name": "Speech Commands (demo)",
                "description": "Say ten command words (yes, no, up, down, ...) and a few others, for an open keyword-spotting model.",
                "language": english,
                "licence": "CC-BY-4.0",
                "target_clips_per_keyword": 1000,
            },
        )
        for words, is_filler in ((CORE_WORDS, False), (FILLER_WORDS, True)):
            for word in words:
                Keyword.objects.get_or_create(campaign=campaign, text=word, defaults={"language": english, "is_filler": is_filler})
        verb = "created" if created else "already present"
        self.stdout.write(f"demo campaign '{campaign.slug}' {verb}: {campaign.keywords.count()} keywords")
