"""The web front end: an HTTP API (FastAPI) and a dashboard served by the same process.

It calls the library and the shared JSON encoder, nothing else; it reads the store and writes only
the jobs it runs. ``tradeflux serve`` starts it on 127.0.0.1:8000. FastAPI and uvicorn are the
``web`` extra.
"""

from tradeflux.web.app import create_app

__all__ = ["create_app"]
