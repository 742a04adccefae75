"""The GA4 Data API client, built from the environment in one place.

Production: ``Ga4DataApiResource()`` — credentials from ``GOOGLE_APPLICATION_CREDENTIALS``
(or Google's defaults), the default gRPC transport and endpoint. Tests:
``Ga4DataApiResource(api_endpoint="http://127.0.0.1:8080", transport="rest", anonymous=True)``.
"""

from __future__ import annotations

import dagster as dg

from pipelines.ga4.data_api import default_retry, make_client
from pipelines.settings import Settings


class Ga4DataApiResource(dg.ConfigurableResource):
    api_endpoint: str | None = None
    transport: str | None = None
    anonymous: bool = False
    retry_initial_seconds: float = 2.0
    retry_timeout_seconds: float = 600.0

    def client(self, settings: Settings):
        credentials = None
        if self.anonymous:
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()
        options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
        return make_client(
            settings, credentials=credentials, transport=self.transport, client_options=options
        )

    def retry(self):
        return default_retry(initial=self.retry_initial_seconds, timeout=self.retry_timeout_seconds)
