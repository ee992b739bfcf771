"""Pure audio and ML code for Chorus: no Django imports, so it is testable alone and reused by the
web app, the workers, the exporter and the firmware parity tests."""
