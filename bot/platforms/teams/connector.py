"""The SDK's Bot Framework client, one per service URL, and where each tenant is served from.

Every activity Teams sends names the connector to answer through (its serviceUrl, a region's
address). A post nobody asked for (a reminder, a breakout group) goes to the address last
heard from that tenant, or TEAMS_SERVICE_URL when none was heard since the process started.
All clients share one HTTP client (transport.py: timeouts, pacing, 429s) and the App's token.
"""

from __future__ import annotations

from microsoft_teams.api import ApiClient, ApiClientSettings, TokenProviderProtocol
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from microsoft_teams.common import Client


class Connector:
    def __init__(
        self,
        http: Client,
        *,
        default_service_url: str,
        cloud: CloudEnvironment,
        token: TokenProviderProtocol,
    ) -> None:
        self.http = http
        self.default_service_url = default_service_url.rstrip("/")
        self.cloud = cloud
        self.token = token
        self.settings = ApiClientSettings(oauth_url=cloud.token_service_url)
        self._clients: dict[str, ApiClient] = {}
        self._tenants: dict[str, str] = {}

    def heard(self, tenant_id: str, service_url: str) -> None:
        """An activity from `tenant_id` came through `service_url`."""
        if tenant_id and service_url:
            self._tenants[tenant_id] = service_url.rstrip("/")

    def service_url(self, tenant_id: str) -> str:
        return self._tenants.get(tenant_id, self.default_service_url)

    def api(self, tenant_id: str) -> ApiClient:
        """The client for the connector that serves `tenant_id`."""
        url = self.service_url(tenant_id)
        client = self._clients.get(url)
        if client is None:
            client = self._clients[url] = ApiClient(
                url, self.http, self.settings, cloud=self.cloud, token_provider=self.token
            )
        return client

    async def close(self) -> None:
        await self.http.http.aclose()
