"""Where dossier statuses come from: this database, or an outside status service over HTTP.

``TTHC_DOSSIER_SOURCE=local`` (default) reads the ``dossiers`` table. ``http`` asks the
service at ``TTHC_DOSSIER_SOURCE_URL`` — either a base URL the code is appended to
(``https://igate.example/api/dossiers`` → ``…/api/dossiers/000.00.12.H48-251120-0001``) or a
template holding ``{code}`` — and expects the JSON of :class:`DossierRecord` (the agent
view of this project's own ``GET /api/dossiers/{code}`` fits), 404 for an unknown code.
Time-outs, connection errors and 5xx answers are retried ``TTHC_DOSSIER_SOURCE_RETRIES``
times; then :class:`SourceUnavailableError` carries a message fit for the citizen.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from pydantic import ValidationError
from sqlalchemy.orm import Session

from knowledge.config import get_settings
from knowledge.dossiers.messages import unavailable_message
from knowledge.dossiers.schemas import DossierRecord
from knowledge.dossiers.store import find_dossier, procedure_name, to_record
from knowledge.errors import SourceUnavailableError

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)


class DossierSource(Protocol):
    """Anything that can fetch a dossier's current record by its canonical code."""

    name: str

    def fetch(self, code: str) -> DossierRecord | None:
        """The record of ``code``, or None when the source holds no such dossier.

        Raises:
            SourceUnavailableError: the source could not answer.
        """
        ...


class LocalSource:
    """Dossiers stored in this project's database."""

    name = "local"

    def __init__(self, session: Session) -> None:
        self.session = session

    def fetch(self, code: str) -> DossierRecord | None:
        """The stored dossier ``code`` with its procedure's name, or None."""
        dossier = find_dossier(self.session, code, with_history=False)
        if dossier is None:
            return None
        return to_record(dossier, procedure_name(self.session, dossier.procedure_code))


class HttpSource:
    """An outside status service (the province's one-stop system) reached over HTTP."""

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 3.0,
        retries: int = 2,
        hotline: str = "",
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx  # only deployments with an outside status service pay for it

        self.url = url
        self.retries = max(retries, 0)
        self.backoff = backoff
        self.message = unavailable_message(hotline or get_settings().hotline)
        self.client = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "tthc-assistant/0.1"},
        )

    def _url_for(self, code: str) -> str:
        quoted = quote(code, safe="")
        if "{code}" in self.url:
            return self.url.replace("{code}", quoted)
        return f"{self.url.rstrip('/')}/{quoted}"

    def fetch(self, code: str) -> DossierRecord | None:
        """Ask the service for ``code``; None on 404; retried, then SourceUnavailableError."""
        if not self.url:
            logger.error("dossier source is http but TTHC_DOSSIER_SOURCE_URL is empty")
            raise SourceUnavailableError(self.message)
        import httpx

        url = self._url_for(code)
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.client.get(url)
            except httpx.TransportError as exc:  # time-outs, refused connections, DNS
                logger.warning(
                    "dossier source attempt %d failed: %s", attempt + 1, type(exc).__name__
                )
                continue
            if response.status_code == 404:
                return None
            if response.status_code >= 500 or response.status_code == 429:
                logger.warning(
                    "dossier source attempt %d answered %d", attempt + 1, response.status_code
                )
                continue
            if response.status_code != 200:
                logger.error("dossier source refused the request: HTTP %d", response.status_code)
                raise SourceUnavailableError(self.message)
            try:
                return DossierRecord.parse_obj(response.json())
            except (ValueError, ValidationError) as exc:
                logger.error("dossier source sent an unreadable record: %s", type(exc).__name__)
                raise SourceUnavailableError(self.message) from exc
        logger.error("dossier source unavailable after %d attempts", self.retries + 1)
        raise SourceUnavailableError(self.message)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


@lru_cache(maxsize=4)
def _http_source(url: str, timeout: float, retries: int, hotline: str) -> HttpSource:
    return HttpSource(url, timeout=timeout, retries=retries, hotline=hotline)


def get_source(session: Session) -> DossierSource:
    """The configured source: ``local`` (on ``session``) or ``http`` (one shared client)."""
    settings = get_settings()
    if settings.dossier_source == "http":
        return _http_source(
            settings.dossier_source_url,
            settings.dossier_source_timeout,
            settings.dossier_source_retries,
            settings.hotline,
        )
    return LocalSource(session)  # "local": the settings refuse any other kind at start
