"""The REST API: a thin FastAPI adapter over the services. Build it with `create_app(settings)`."""

from opensop.api.app import create_app, create_app_from_environment

__all__ = ["create_app", "create_app_from_environment"]
