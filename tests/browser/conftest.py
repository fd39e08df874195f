"""Real servers for the browser tests: the API on the sample catalog, a fake Rasa, Chromium.

The API runs in a uvicorn subprocess on a free port, reading a temporary SQLite database into
which the sample catalog is imported before it starts. The fake Rasa is a small threaded HTTP
server in this process that answers ``POST /webhooks/rest/webhook`` like Rasa's REST channel
(with the CORS headers ``rasa run --cors "*"`` sends); tests switch its mode and read what it
received. Chromium is Debian's, driven by Playwright's sync API.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from bench.bot_servers import QUIET, free_port, start, stop, wait_until_ready
from knowledge.accounts import create_user
from knowledge.catalog.importer import import_json_catalog
from knowledge.config import PROJECT_ROOT, SAMPLE_CATALOG_DIR
from knowledge.db import make_engine, migrate, session_scope
from knowledge.enums import ProcedureStatus, UserRole
from knowledge.models import Procedure

CHROMIUM = os.environ.get("TTHC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
HOTLINE = "1900 1234"
PHONE = {"width": 360, "height": 740}
PHONE_390 = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
AGENT = {"username": "canbo1", "password": "matkhau-canbo1"}
AGENT_2 = {"username": "canbo2", "password": "matkhau-canbo2"}
PRESENCE_SECONDS = 20

# A procedure the fixture marks abolished, so the card's status banner can be checked.
ABOLISHED_CODE = "2.000806"
ABOLISHED_DECISION = "1234/QĐ-BTP"
REPLACEMENT_CODE = "1.000894"
# The admin account the admin pages' tests sign in with.
ADMIN_USER, ADMIN_PASSWORD = "quantri", "mat-khau-quan-tri"


@dataclass
class FakeRasa:
    """A stand-in for Rasa's REST channel; ``mode`` is "ok", "slow" or "error"."""

    url: str = ""
    mode: str = "ok"
    received: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        """Back to answering normally, with nothing received."""
        self.mode = "ok"
        self.received.clear()

    def answer(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """What Rasa would answer: echo text with a link, then a question with two buttons."""
        sender = str(payload.get("sender", ""))
        message = str(payload.get("message", ""))
        if "html" in message:
            text = '<img src=x onerror="window.__xss=1"><b>đậm</b><script>window.__xss=2</script>'
            return [{"recipient_id": sender, "text": text}]
        if "dài" in message:  # a long answer, to check the widget shows its beginning
            lines = [f"Bước {i}: nộp và kiểm tra giấy tờ theo hướng dẫn." for i in range(1, 41)]
            return [{"recipient_id": sender, "text": "Trình tự thực hiện:\n" + "\n".join(lines)}]
        if "khai sinh" in message.lower():  # a cited procedure, as the bot's actions send it
            text = (
                "Thủ tục đăng ký khai sinh (Mã thủ tục: 1.001193): miễn lệ phí.\n"
                "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh.html"
            )
            custom = {"procedure_codes": ["1.001193"]}
            return [
                {"recipient_id": sender, "text": text},
                {"recipient_id": sender, "custom": custom},
            ]
        if re.search(r"gặp (nhân viên|cán bộ)", message.lower()):  # what action_handoff sends
            return [
                {"recipient_id": sender, "text": "Tôi chuyển bạn tới cán bộ tổng đài."},
                {"recipient_id": sender, "custom": {"handoff": True}},
            ]
        return [
            {
                "recipient_id": sender,
                "text": f"Bạn vừa hỏi: {message}\nXem thêm tại https://dichvucong.gov.vn/p/home.",
            },
            {
                "recipient_id": sender,
                "text": "Bạn muốn biết thêm gì?",
                "buttons": [
                    {"title": "Lệ phí", "payload": "/ask_fee"},
                    {"title": "Giấy tờ cần nộp", "payload": "/ask_papers"},
                ],
            },
        ]


def _handler_for(fake: FakeRasa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")

        def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(204)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/webhooks/rest/webhook":
                status, body = 404, b"{}"
            elif fake.mode == "error":
                fake.received.append(payload)
                status, body = 500, b'{"error": "boom"}'
            else:
                fake.received.append(payload)
                if fake.mode == "slow":
                    time.sleep(1.5)
                status = 200
                body = json.dumps(fake.answer(payload), ensure_ascii=False).encode()
            self.send_response(status)
            self._cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def fake_rasa_server() -> Iterator[FakeRasa]:
    """The fake Rasa REST channel, up for the whole session."""
    fake = FakeRasa()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler_for(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture()
def fake_rasa(fake_rasa_server: FakeRasa) -> FakeRasa:
    """The fake Rasa, reset for one test."""
    fake_rasa_server.reset()
    return fake_rasa_server


def _prepare_database(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
            session.execute(
                update(Procedure)
                .where(Procedure.code == ABOLISHED_CODE)
                .values(
                    status=ProcedureStatus.abolished,
                    status_decision=ABOLISHED_DECISION,
                    status_date=date(2025, 7, 1),
                    replaced_by_code=REPLACEMENT_CODE,
                )
            )
            create_user(session, ADMIN_USER, ADMIN_PASSWORD, "admin")
            for account in (AGENT, AGENT_2):
                create_user(session, account["username"], account["password"], UserRole.agent)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test API's SQLite database: the sample catalog, an admin and two agent accounts."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'tthc.db'}"
    _prepare_database(url)
    return url


@dataclass(frozen=True)
class OtherSites:
    """Two plain portal sites on other ports of 127.0.0.1: one allowed to embed the widget
    (``TTHC_WIDGET_ORIGINS``), one not."""

    allowed_port: int
    refused_port: int

    @property
    def allowed(self) -> str:
        """The allowed portal's origin."""
        return f"http://127.0.0.1:{self.allowed_port}"

    @property
    def refused(self) -> str:
        """The other site's origin."""
        return f"http://127.0.0.1:{self.refused_port}"


@pytest.fixture(scope="session")
def other_sites() -> OtherSites:
    """Ports for the other sites, chosen before the API starts (its allow-list names one)."""
    allowed = free_port()
    refused = free_port()
    while refused == allowed:
        refused = free_port()
    return OtherSites(allowed, refused)


def portal_page(api_url: str) -> bytes:
    """A provincial portal's page on another site, embedding the widget with one script tag."""
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử tỉnh</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Cổng thông tin điện tử tỉnh</h1><p>Tin tức, thông báo.</p></main>
<script src="{api_url}/static/widget.js" defer data-hotline="{HOTLINE}"></script>
</body></html>""".encode()


@pytest.fixture(scope="session")
def embedding_sites(base_url: str, other_sites: OtherSites) -> Iterator[OtherSites]:
    """The other sites up, each serving ``portal_page`` at /."""
    page = portal_page(base_url)

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            found = self.path in ("/", "/index.html")
            body = page if found else b"not found"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    servers = [
        ThreadingHTTPServer(("127.0.0.1", port), Portal)
        for port in (other_sites.allowed_port, other_sites.refused_port)
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield other_sites
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def base_url(
    tmp_path_factory: pytest.TempPathFactory,
    fake_rasa_server: FakeRasa,
    database_url: str,
    other_sites: OtherSites,
) -> Iterator[str]:
    """The API's address: uvicorn in a subprocess on a temporary database of the sample catalog.

    Started, awaited and stopped by ``bench.bot_servers``, like the end-to-end servers.
    """
    folder = tmp_path_factory.mktemp("browser-api")

    port = free_port()
    env = {
        **os.environ,
        **QUIET,
        "TTHC_ENV": "local",
        "TTHC_DATABASE_URL": database_url,
        "TTHC_RASA_URL": fake_rasa_server.url,
        "TTHC_HOTLINE": HOTLINE,
        # Always open (public holidays aside), and an agent counts as present only while their
        # console is open or just used (the API rewrites the mark once a quarter of the window
        # old, here every 5 s): the callback-form test waits these seconds out.
        "TTHC_OFFICE_HOURS": "mon-sun 00:00-23:59",
        "TTHC_AGENT_PRESENCE_SECONDS": str(PRESENCE_SECONDS),
        # One other portal may embed the widget (tests/browser/test_embedding.py).
        "TTHC_WIDGET_ORIGINS": other_sites.allowed,
        # Every browser test signs its agent or admin in from this one address: more than the
        # 10 sign-ins a minute a real client may try (tests/api/test_auth.py checks that limit).
        "TTHC_LOGIN_RATE_LIMIT": "1000/minute",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    # A generous rate limit: the tests load pages, scripts and searches quickly from one address.
    # ws="wsproto": uvicorn's websockets protocol needs a newer websockets than Rasa pins.
    code = (
        "import uvicorn; from knowledge.api.app import create_app; "
        "uvicorn.run(create_app(rate_limit='100000/minute'), "
        f"host='127.0.0.1', port={port}, ws='wsproto', log_level='warning')"
    )
    process = start("api", [sys.executable, "-c", code], env, folder)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready("api", f"{url}/health", process, folder, timeout=90)
        # The search index is built on the first search (~4 s): build it before tests time one.
        httpx.get(f"{url}/api/procedures/search", params={"q": "khai sinh"}, timeout=60)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (never a downloaded one)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is absent at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A phone-sized page (360×740, Vietnamese locale) that fails the test on a script error."""
    context = browser.new_context(
        base_url=base_url, viewport=PHONE, locale="vi-VN", device_scale_factor=1, has_touch=True
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = watched_page(context)
    yield page
    context.close()
    assert not page.script_errors, f"script errors on the page: {page.script_errors}"


def watched_page(context: Any) -> Any:
    """A new page of ``context`` whose script errors (and CSP refusals) go to ``script_errors``."""
    context.set_default_timeout(8000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text)
        if msg.type == "error" and "Content Security Policy" in msg.text
        else None,
    )
    page.script_errors = errors
    return page


def query(database_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a read-only SQL query on the test API's database (what the gateway stored)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def post_json(
    url: str, body: dict[str, Any] | None = None, form: bool = False, token: str | None = None
) -> Any:
    """POST to the test API (JSON, or a form when ``form``); returns the decoded answer."""
    if form:
        data = urllib.parse.urlencode(body or {}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        data = json.dumps(body or {}).encode()
        headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data, headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture(scope="session")
def agent_token(base_url: str) -> str:
    """An access token of the test agent, from ``POST /api/auth/token``."""
    answer = post_json(f"{base_url}/api/auth/token", AGENT, form=True)
    return str(answer["access_token"])


def sign_in_admin(page: Any) -> None:
    """Sign the administrator in on /quan-tri through its form and wait for the catalog."""
    page.goto("/quan-tri")
    login = page.locator("#login")
    login.get_by_label("Tên đăng nhập").fill(ADMIN_USER)
    login.get_by_label("Mật khẩu").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Danh mục thủ tục").wait_for()


def signed_in(context: Any, token: str) -> Any:
    """Put the agent's token where the console keeps it, before any page script runs."""
    context.add_init_script(f"sessionStorage.setItem('tthc.console.token', {json.dumps(token)});")
    return context


@pytest.fixture()
def agent_page(page: Any, agent_token: str) -> Any:
    """The phone-sized page, signed in as the test agent."""
    signed_in(page.context, agent_token)
    return page


BLOCKING = {"serious", "critical"}


def audit(page: Any, name: str, report: Path) -> list[dict[str, Any]]:
    """Run axe-core on the page; write its violations to ``report``; return the blocking ones."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")  # axe.min.js inside
    results = axe_module.Axe().run(page)
    violations = results.response["violations"]
    lines = [
        f"{name}: {v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}"
        + "".join(f"\n    {n['target']}" for n in v["nodes"][:5])
        for v in violations
    ]
    with report.open("a", encoding="utf-8") as out:
        out.write(f"{name}: {len(violations)} violations\n" + "".join(f"  {x}\n" for x in lines))
    return [v for v in violations if v["impact"] in BLOCKING]


@pytest.fixture(scope="session")
def report(screenshots: Path) -> Path:
    """The axe report of this run, beside the screenshots."""
    path = screenshots / "axe-report.txt"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the tests save screenshots for a person to look at (gitignored ``var/``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
