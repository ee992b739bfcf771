import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from collector.models import Campaign, Keyword, Language

CORE_WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
FILLER_WORDS = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow"]
ENGLISH_ACCENTS = [
    "American",
    "Australian",
    "British",
    "Canadian",
    "Indian",
    "Irish",
    "Nigerian",
    "Scottish",
    "South African",
]


class Command(BaseCommand):
    help = "Load the demo campaign: the Speech Commands core words plus ten filler words. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        english, _ = Language.objects.update_or_create(
            code="en", defaults={"name": "English", "accents": ENGLISH_ACCENTS}
        )
        campaign, created = Campaign.objects.get_or_create(
            slug="speech-commands-demo",
            defaults={
                "name": "Speech Commands (demo)",
                "description": (
                    "Say ten command words (yes, no, up, down, ...) and a few others, "
                    "for an open keyword-spotting model."
                ),
                "language": english,
                "licence": "CC-BY-4.0",
                "target_clips_per_keyword": 1000,
            },
        )
        for words, is_filler in ((CORE_WORDS, False), (FILLER_WORDS, True)):
            for word in words:
                Keyword.objects.get_or_create(
                    campaign=campaign, text=word, defaults={"language": english, "is_filler": is_filler}
                )
        verb = "created" if created else "already present"
        self.stdout.write(f"demo campaign '{campaign.slug}' {verb}: {campaign.keywords.count()} keywords")
        if not settings.PRODUCTION:
            self._development_admin()

    def _development_admin(self) -> None:
        """A local admin account so `make run` needs nothing by hand; its password lives in var/."""
        password_file = Path(settings.VAR_DIR) / "admin-password.txt"
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            if password_file.exists():
                self.stdout.write(f"admin login: user 'admin', password in {password_file}")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "", password)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.stdout.write(f"created admin login: user 'admin', password in {password_file}")
