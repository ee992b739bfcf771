"""The dataset terms every downloader accepts. A new version asks everyone again."""

TERMS_VERSION = "1"

TERMS_TEXT = """\
By downloading Chorus datasets and models you agree:
1. Not to attempt to identify, re-identify or contact any speaker, and not to combine the data with other
   data for that purpose.
2. To delete any clip listed in a later release's deletions.tsv from every copy you hold, and to stop using
   models trained on withdrawn data once a retrained model is offered.
3. To respect each clip's licence (manifest.tsv) and cite the release you used.
4. That we record which account downloaded which release or model, so we can tell you about erasures.
"""
