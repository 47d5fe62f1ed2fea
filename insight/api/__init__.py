"""The read-only JSON API over :mod:`insight.service` (``python -m insight serve-api``):
versioned under ``/api/v1``, described by ``/api/v1/openapi.json``."""

from insight.api.app import API_PREFIX, MAX_TOP, create_app

__all__ = ["API_PREFIX", "MAX_TOP", "create_app"]
