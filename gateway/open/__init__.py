"""Open data: the transparency feeds the gateway gathers per municipality (``/v1/open/...``).

The sources (treasury, procurement, urban planning, the ministry's permit register) are read in
the background by ``refresher.FeedRefresher`` through the same registry adapters the routes
use; ``feeds.FeedStore`` keeps the last good answer of each with its age; ``service.OpenData``
turns a query into a page (JSON, CSV, OCDS) with ETag, Last-Modified and Age.

Importing any part of the feeds registers their problem codes (``problems``) first.
"""

from gateway.open import problems as problems
