"""Model package downloads: one budget for the API and the pages, which hand out the same packages."""

from core.throttles import AccountOrAddressThrottle


class ModelPackageThrottle(AccountOrAddressThrottle):
    scope = "model_download"
    rate_setting = "CHORUS_MODEL_DOWNLOAD_RATE"
