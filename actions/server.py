"""The action server: rasa-sdk's app on the internal side only, refusing calls without the secret.

rasa-sdk 3.6.2 listens on ``SANIC_HOST`` (default 0.0.0.0) and checks no token, so anyone
who reaches the port can run the dossier lookup directly (10,000 guesses in 1.4 minutes).
Here it listens on ``actions_host`` (127.0.0.1 by default) and every call but ``/health``
must carry the shared secret ``actions_token``, which Rasa sends as ``?token=`` from
``bot/endpoints.yml`` (``action_endpoint.token``); an ``Authorization: Bearer`` header is
accepted too. Personal data is masked in every log record before any handler runs.

Usage:
    python -m actions.server [--port 5055]
"""

from __future__ import annotations

import argparse
import hmac
import logging

from knowledge.logs import configure_logging

logger = logging.getLogger(__name__)

UNAUTHORIZED = "Thiếu hoặc sai mã truy cập của máy chủ hành động (action server)."
OPEN_PATHS = frozenset({"/health"})


def _given_token(request: object) -> str:
    args = getattr(request, "args", {})
    token = args.get("token") if hasattr(args, "get") else None
    if token:
        return str(token)
    header = getattr(request, "headers", {}).get("authorization") or ""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_accepted(given: str, expected: str) -> bool:
    """Whether ``given`` is the shared secret (constant time, bytes so any text is safe)."""
    return bool(given) and hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.encode("utf-8", "replace")
    )


def create_app(token: str | None = None):  # type: ignore[no-untyped-def]
    """rasa-sdk's Sanic app for the ``actions`` package, behind the shared-secret check."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response

    from knowledge.config import get_settings

    expected = token or get_settings().actions_token
    app = create_sdk_app("actions", cors_origins=[])

    async def _require_token(request):  # type: ignore[no-untyped-def]
        if request.path in OPEN_PATHS:
            return None
        if not token_accepted(_given_token(request), expected):
            logger.warning("action call refused: no valid token (from %s)", request.ip)
            return response.json({"error": UNAUTHORIZED}, status=401)
        return None

    app.register_middleware(_require_token, "request")
    app.register_listener(_warm_up, "before_server_start")
    return app


async def _warm_up(_app: object, _loop: object) -> None:
    """Index the catalog and load the encoder before Rasa's first call (its timeout is 5 s)."""
    from knowledge.search.service import warm_up

    warm_up()


def main(argv: list[str] | None = None) -> None:
    """Serve the actions on the configured internal address."""
    from knowledge.config import get_settings

    parser = argparse.ArgumentParser(description="Máy chủ hành động (Rasa actions)")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=None, help="default: settings actions_host")
    args = parser.parse_args(argv)
    configure_logging()
    settings = get_settings()
    host = args.host or settings.actions_host
    app = create_app(settings.actions_token)
    logger.info("action server on http://%s:%d (token required)", host, args.port)
    app.run(host=host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
