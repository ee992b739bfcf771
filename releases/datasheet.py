"""DATASHEET.md, after Gebru et al., "Datasheets for Datasets": written from the counts of one release.

Pure (no Django): `ReleaseFacts` in, Markdown out. Demographic values here are the published ones (after the
rule of five), so the datasheet reveals nothing the manifest does not.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from collector.synthesis import synthetic_share_sentence

SPLITS = ("training", "validation", "testing")
WAKE_WORD = "wake_word"
DEMOGRAPHIC_FIELDS = ("age", "gender", "accent")
NOT_GIVEN = "not given"
GAP_MIN_SPEAKERS = 5  # an intersectional cell with fewer speakers than this is a known gap
GAPS_LISTED = 40


@dataclass
class ReleaseFacts:
    campaign: str
    description: str
    language: str
    release: str
    licence: str
    created: str
    keywords: list[str]
    fillers: list[str]
    kind: str = "commands"  # the campaign's kind: commands or wake_word
    wake_phrase: str = ""
    clip_seconds: float = 1.0
    previous: str | None = None
    cleaning: dict = field(default_factory=dict)
    feature_hash: str = ""
    clips: Counter = field(default_factory=Counter)  # (keyword, split) -> clips
    speakers: dict = field(default_factory=lambda: defaultdict(set))  # split -> speaker hashes
    groups: dict = field(default_factory=lambda: defaultdict(set))  # (field, value, split) -> speaker hashes
    group_clips: Counter = field(default_factory=Counter)  # (field, value, split) -> clips
    keyword_group_clips: Counter = field(default_factory=Counter)  # (keyword, field, value, split) -> clips
    cells: dict = field(default_factory=lambda: defaultdict(set))  # (keyword, accent, gender, age) -> speaker hashes
    consent_versions: Counter = field(default_factory=Counter)
    licences: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    synthetic_voices: dict = field(default_factory=lambda: defaultdict(set))  # source -> voice descriptors
    synthetic_clips: int = 0
    other: int = 0
    invalidated: int = 0
    deletions: int = 0
    background_noise: list[str] = field(default_factory=list)

    def add_clip(
        self,
        *,
        keyword: str,
        split: str,
        speaker: str,
        demographics: dict,
        consent_version: str,
        licence: str,
        source: str,
        voice: str | None = None,
    ) -> None:
        self.clips[keyword, split] += 1
        self.speakers[split].add(speaker)
        for name in DEMOGRAPHIC_FIELDS:
            value = demographics.get(name) or NOT_GIVEN
            self.groups[name, value, split].add(speaker)
            self.group_clips[name, value, split] += 1
            self.keyword_group_clips[keyword, name, value, split] += 1
        cell = (keyword, *(demographics.get(n) or NOT_GIVEN for n in ("accent", "gender", "age")))
        self.cells[cell].add(speaker)
        self.consent_versions[consent_version] += 1
        self.licences[licence] += 1
        self.sources[source] += 1
        if voice is not None:
            self.synthetic_clips += 1
            self.synthetic_voices[source].add(voice)

    @property
    def total_clips(self) -> int:
        return sum(self.clips.values())

    def known_gaps(self) -> list[tuple[tuple[str, str, str, str], int]]:
        """Every keyword x accent x gender x age cell (values seen in the release, 'not given' left out) with
        fewer than GAP_MIN_SPEAKERS speakers, sparsest first."""
        seen = {
            name: sorted({v for (f, v, _s) in self.groups if f == name and v != NOT_GIVEN})
            for name in DEMOGRAPHIC_FIELDS
        }
        gaps = []
        for cell in itertools.product(self.keywords, seen["accent"], seen["gender"], seen["age"]):
            speakers = len(self.cells.get(cell, ()))
            if speakers < GAP_MIN_SPEAKERS:
                gaps.append((cell, speakers))
        return sorted(gaps, key=lambda g: (g[1], g[0]))


def render(facts: ReleaseFacts) -> str:
    out: list[str] = []
    w = out.append
    all_speakers = set().union(*facts.speakers.values()) if facts.speakers else set()
    wake = facts.kind == WAKE_WORD
    seconds = f"{facts.clip_seconds:g} s"
    w(f"# Datasheet: {facts.campaign}, release {facts.release}\n")
    if wake:
        w(
            f"Campaign kind: wake word, listening for '{facts.wake_phrase}'. Created {facts.created} under "
            f"{facts.licence}. {facts.total_clips} clips of the wake phrase and {len(facts.fillers)} confusable "
            f"phrases from {len(all_speakers)} speakers.\n"
        )
    else:
        recorded = [k for k in facts.keywords if any(facts.clips[k, s] for s in SPLITS)]
        fillers = [k for k in facts.fillers if any(facts.clips[k, s] for s in SPLITS)]
        empty = sorted(set(facts.keywords) - set(recorded))
        w(
            f"Campaign kind: commands. Created {facts.created} under {facts.licence}. {facts.total_clips} clips of "
            f"{len(recorded)} keywords and {len(fillers)} filler words from {len(all_speakers)} speakers."
            + (f" No clips yet of {len(empty)} more keywords: {', '.join(empty)}." if empty else "")
            + "\n"
        )

    w("## Motivation\n")
    spotters = (
        f"small on-device wake-word detectors for '{facts.wake_phrase}' can be trained and evaluated"
        if wake
        else "small on-device keyword spotters can be trained and evaluated"
    )
    w(
        f"{facts.description or ('A wake-word dataset' if wake else 'A keyword-spotting dataset')} It was built on "
        f"Chorus by volunteers who recorded prompted {'phrases' if wake else 'words'} in their browser, so that "
        f"{spotters} on many voices, accents and microphones.\n"
    )

    w("## Composition\n")
    if wake:
        w(
            f"Each file is one cleaned {seconds}, 16 kHz mono, 16-bit recording of one phrase by one speaker: the "
            f"wake phrase '{facts.wake_phrase}', or a confusable phrase (a filler) that must not wake the device. "
            "Clips per phrase and split (a speaker's clips are all in one split):\n"
        )
    else:
        w(
            f"Each file is one cleaned {seconds}, 16 kHz mono, 16-bit recording of one word by one speaker. "
            "Clips per keyword and split (a speaker's clips are all in one split):\n"
        )
    w(
        _table(
            ["keyword", *SPLITS, "total"],
            [
                [k, *(facts.clips[k, s] for s in SPLITS), sum(facts.clips[k, s] for s in SPLITS)]
                for k in [*facts.keywords, *facts.fillers]
            ],
        )
    )
    w(_table(["", *SPLITS], [["speakers", *(len(facts.speakers.get(s, ())) for s in SPLITS)]]))
    w(
        "\n"
        + synthetic_share_sentence(
            total=facts.total_clips, synthetic=facts.synthetic_clips, voices_by_source=facts.synthetic_voices
        )
        + " Synthetic voices are in the testing split only when the release holds no recorded voice.\n"
    )
    for name in DEMOGRAPHIC_FIELDS:
        values = sorted({v for (f, v, _s) in facts.groups if f == name}, key=lambda v: (v == NOT_GIVEN, v))
        w(f"\nBy {name} (speakers / clips; groups under 5 speakers are published as '{NOT_GIVEN}'):\n")
        w(
            _table(
                [name, *SPLITS],
                [
                    [
                        v,
                        *(
                            f"{len(facts.groups.get((name, v, s), ()))} / {facts.group_clips[name, v, s]}"
                            for s in SPLITS
                        ),
                    ]
                    for v in values
                ],
            )
        )
        w(f"\nClips per keyword and {name} (training / validation / testing):\n")
        w(
            _table(
                ["keyword", *values],
                [
                    [k, *(" / ".join(str(facts.keyword_group_clips[k, name, v, s]) for s in SPLITS) for v in values)]
                    for k in [*facts.keywords, *facts.fillers]
                ],
            )
        )
    w(
        f"\nAlso in the release: `other.tsv` ({facts.other} clips whose reviewers tied at the vote cap) "
        f"and `invalidated.tsv` ({facts.invalidated} clips voted or screened invalid), "
        "as metadata only, without audio. "
        f"Background noise: {', '.join(facts.background_noise) or 'none'}.\n"
    )

    w("## Collection process\n")
    w(
        "Volunteers read and accepted a consent form before recording; the version each clip was given under is in "
        "`manifest.tsv`. Consent versions: "
        + ", ".join(f"{v} ({n} clips)" for v, n in sorted(facts.consent_versions.items()))
        + ". "
        "Demographics were optional. Sources: "
        + ", ".join(f"{s} ({n})" for s, n in sorted(facts.sources.items()))
        + ". "
        "Each recorded clip was accepted by reviewers: at least 2 votes and a strict majority for valid; "
        "imported clips came validated from their dataset, and synthetic clips need no review.\n"
    )

    w("## Preprocessing\n")
    models = (
        "Wake-word models trained on Chorus use the TFLite Micro audio frontend that ESPHome's micro_wake_word runs "
        f"(feature spec `{facts.feature_hash}`)."
        if wake
        else f"Models trained on Chorus use feature spec `{facts.feature_hash}` "
        "(see a model package's `features.json`)."
    )
    w(
        f"Clips were resampled to 16 kHz mono, DC removed, cut or padded to their loudest {seconds} and "
        "peak-normalized; clips too quiet to hold speech (loudest second) were dropped. "
        f"Cleaning parameters: `{_inline(facts.cleaning)}`. {models}\n"
    )

    w("## Uses\n")
    w(
        "Training and evaluating keyword spotters. Splits are fixed by a hash of the speaker, as in Speech Commands: "
        "`validation_list.txt` and `testing_list.txt` name the held-out files, "
        "and a clip keeps its split in every release. "
        "Downloading requires accepting the dataset terms, which forbid attempting to identify speakers.\n"
    )

    w("## Distribution and maintenance\n")
    w(
        f"Licence: {facts.licence} (per-clip licences: "
        + ", ".join(f"{lic} ({n})" for lic, n in sorted(facts.licences.items()))
        + "). "
        f"Speakers may withdraw: `deletions.tsv` lists the {facts.deletions} clips erased since "
        f"{'release ' + facts.previous if facts.previous else 'the start'}; delete them from any copy you hold.\n"
    )

    w("## Known gaps\n")
    gaps = facts.known_gaps()
    w(
        f"{len(gaps)} keyword x accent x gender x age cells have fewer than {GAP_MIN_SPEAKERS} speakers "
        f"(values seen in this release; '{NOT_GIVEN}' left out). "
        "Results on these groups are not well supported by the data.\n"
    )
    if gaps:
        rows = [[*cell, n] for cell, n in gaps[:GAPS_LISTED]]
        w(_table(["keyword", "accent", "gender", "age", "speakers"], rows))
        if len(gaps) > GAPS_LISTED:
            w(f"\n... and {len(gaps) - GAPS_LISTED} more.\n")
    return "\n".join(out).rstrip() + "\n"


def _table(header: list, rows: list[list]) -> str:
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _inline(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "defaults"
