"""The web pages: a fourth front-end beside Discord, Slack and the terminal chat, served by
`brewbot run` in the bot's own process (server.py, started by bot/runtime.py's `serve`).
Like the other front-ends it holds no rules of its own: pages read and change things only
through the App's services.

server.py    the WebServer: listening, starting and stopping, the base URL for links
guards.py    what every response gets: security headers, bounded bodies, a rate limit per
             address, and a kind page for every refusal or failure
render.py    `page(...)`: a Jinja2 template from prompts/templates/web, escaped by default
pages/       one module per group of pages; pages/__init__.py lists their routes
"""
