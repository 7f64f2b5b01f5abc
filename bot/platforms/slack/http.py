"""HTTP mode: one aiohttp server for slash commands, interactivity and events (all on
/slack/events, every request's signature checked by Bolt), a health check for load
balancers, and the OAuth install pages when multi-workspace install is on."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class SlackHttpServer:
    def __init__(self, bolt: AsyncApp, *, events: bool = True) -> None:
        self.bolt = bolt
        self.web = web.Application()
        routes = [web.get(HEALTH_PATH, self._health)]
        if events:
            routes.append(web.post(EVENTS_PATH, self._dispatch))
        flow = bolt.oauth_flow
        if flow is not None:
            routes.append(web.get(flow.install_path, self._install))
            routes.append(web.get(flow.redirect_uri_path, self._callback))
        self.web.add_routes(routes)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the port."""
        # No access log: its line for each request would give the time of each form
        # submission (when someone sent a reflection). bot/logs.py drops aiohttp.access below
        # WARNING as well.
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else port
        return self.port

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, request: web.Request) -> web.Response:
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _install(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        response = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _callback(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        response = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True})
