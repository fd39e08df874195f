"""A stand-in for Rasa's REST channel on a local port, for the chat gateway's tests.

It answers like the bot: a procedure answer ending with its citation, quick replies, and for
"gặp nhân viên" the handoff marker ``action_handoff`` sends. ``stop()`` closes the port, so
the gateway meets a real connection failure; ``start()`` opens it again on the same port.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from actions.answers import HANDOFF_MARKER, UNANSWERED_MARKER
from bot.responses import response_text


class FakeRasa:
    """Rasa's REST channel: ``received`` keeps what the gateway posted."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.received: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    def answer(self, message: str) -> list[dict[str, Any]]:
        """What the bot would answer to ``message``."""
        if "nhân viên" in message or "cán bộ" in message:
            return [
                {"text": "Mình chuyển bạn tới cán bộ của Trung tâm."},
                {"custom": HANDOFF_MARKER},
            ]
        if "lệ phí" in message:
            return [
                {"text": "Đăng ký khai sinh: miễn lệ phí.\nMã thủ tục: 1.001193"},
                {
                    "text": "Bạn muốn biết thêm gì?",
                    "buttons": [{"title": "Giấy tờ cần nộp", "payload": "/ask_papers"}],
                },
            ]
        if "ở nhờ" in message:  # what action_clarify sends: the text and its marker
            return [{"text": response_text("utter_please_rephrase")}, {"custom": UNANSWERED_MARKER}]
        return [{"text": f"Bạn vừa hỏi: {message}"}]

    def start(self) -> None:
        """Listen (again) on the port."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.received.append(payload)
                body = json.dumps(
                    [
                        {"recipient_id": payload.get("sender"), **r}
                        for r in fake.answer(payload.get("message", ""))
                    ],
                    ensure_ascii=False,
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the port: the gateway's next call fails to connect."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
