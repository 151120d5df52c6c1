"""The HTTP face (FastAPI): app factory, contract, guards, routes by resource."""

from bot.http.app import create_app
from bot.http.engine import EngineHolder, EngineProxy

__all__ = ["create_app", "EngineHolder", "EngineProxy"]
