"""Status sources: the local database, and the outside HTTP service when it answers or not."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from knowledge.config import get_settings
from knowledge.dossiers.schemas import DossierIn
from knowledge.dossiers.sources import HttpSource, LocalSource, _http_source, get_source
from knowledge.enums import DossierState
from knowledge.errors import SourceUnavailableError
from tests.knowledge.dossiers.conftest import CODE, payload

RECORD = {**payload(), "procedure_name": "Cấp hộ chiếu phổ thông", "unknown_field": 1}


def _source(handler: Callable[[httpx.Request], httpx.Response], **options: object) -> HttpSource:
    return HttpSource(
        "https://igate.example/api/dossiers",
        hotline="1900 1234",
        backoff=0,
        transport=httpx.MockTransport(handler),
        **options,
    )  # type: ignore[arg-type]


def test_local_source_reads_the_database(store: Callable[..., DossierIn], session: Session) -> None:
    store()
    record = LocalSource(session).fetch(CODE)
    assert record is not None
    assert (record.state, record.applicant_phone) == (DossierState.in_progress, "0912345678")
    assert record.procedure_name and record.procedure_name.startswith("Cấp hộ chiếu")
    assert LocalSource(session).fetch("000.00.12.H48-251120-0999") is None


def test_http_source_reads_a_record_by_code() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=RECORD)

    record = _source(handler).fetch(CODE)
    assert seen == [f"https://igate.example/api/dossiers/{CODE}"]
    assert record is not None and record.procedure_name == "Cấp hộ chiếu phổ thông"


def test_http_source_url_template() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(404)

    source = HttpSource(
        "https://igate.example/status?ma={code}&v=2",
        backoff=0,
        transport=httpx.MockTransport(handler),
    )
    assert source.fetch(CODE) is None
    assert seen == [f"https://igate.example/status?ma={CODE}&v=2"]


def test_http_source_retries_server_errors_then_succeeds() -> None:
    answers = iter([httpx.Response(503), httpx.Response(502), httpx.Response(200, json=RECORD)])
    assert _source(lambda _request: next(answers), retries=2).fetch(CODE) is not None


def test_http_source_gives_up_after_its_retries_with_a_citizen_message() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(SourceUnavailableError) as caught:
        _source(handler, retries=2).fetch(CODE)
    assert len(calls) == 3
    assert caught.value.status_code == 503
    assert caught.value.message == (
        "Xin lỗi, hệ thống tra cứu tình trạng hồ sơ đang tạm thời gián đoạn. Bạn thử lại sau ít "
        "phút hoặc gọi tổng đài 1900 1234 để được hỗ trợ nhé."
    )


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(401),
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"code": CODE}),
    ],
)
def test_refusals_and_unreadable_records_are_not_retried(response: httpx.Response) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return response

    with pytest.raises(SourceUnavailableError):
        _source(handler, retries=2).fetch(CODE)
    assert len(calls) == 1


def test_http_source_without_url_is_unavailable() -> None:
    with pytest.raises(SourceUnavailableError):
        HttpSource("", backoff=0).fetch(CODE)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_closed_port_is_unavailable_quickly() -> None:
    source = HttpSource(
        f"http://127.0.0.1:{_closed_port()}/api/dossiers", timeout=1, retries=1, backoff=0
    )
    started = time.perf_counter()
    with pytest.raises(SourceUnavailableError):
        source.fetch(CODE)
    assert time.perf_counter() - started < 2


@pytest.fixture()
def slow_server() -> Iterator[str]:
    """A real HTTP server that answers after 1.5 s, then with the record."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            time.sleep(1.5)
            body = json.dumps(RECORD).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/dossiers"
    server.shutdown()
    server.server_close()


def test_a_slow_real_server_times_out(slow_server: str) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceUnavailableError):
        HttpSource(slow_server, timeout=0.3, retries=1, backoff=0).fetch(CODE)
    assert time.perf_counter() - started < 1.4
    assert HttpSource(slow_server, timeout=3, retries=0).fetch(CODE) is not None


def test_configuration_chooses_the_source(
    monkeypatch: pytest.MonkeyPatch, session: Session
) -> None:
    get_settings.cache_clear()
    assert isinstance(get_source(session), LocalSource)
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE", "http")
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE_URL", "http://status.example/api")
    monkeypatch.setenv("TTHC_DOSSIER_SOURCE_RETRIES", "4")
    get_settings.cache_clear()
    try:
        source = get_source(session)
        assert isinstance(source, HttpSource)
        assert (source.url, source.retries) == ("http://status.example/api", 4)
        monkeypatch.setenv("TTHC_DOSSIER_SOURCE", " HTTP ")
        get_settings.cache_clear()
        assert isinstance(get_source(session), HttpSource)
        monkeypatch.setenv("TTHC_DOSSIER_SOURCE", "ftp")
        get_settings.cache_clear()
        with pytest.raises(ValidationError, match="dossier_source"):
            get_settings()  # an unknown source stops the start, not the first citizen
    finally:
        get_settings.cache_clear()
        _http_source.cache_clear()
