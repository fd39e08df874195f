"""deploy/docker-compose.yml runs exactly the processes make run-cluster runs, secrets aside.

The plan is ``bench.cluster.Cluster`` (what scripts/run-cluster.sh and the fault test start);
the compose file runs the same commands with /app for the project, the same ports, the
same settings, and takes every secret from the environment (``${VAR:?…}``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.cluster import Cluster
from knowledge.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "deploy" / "docker-compose.yml"
APP = "/app"
SECRETS = (
    "TTHC_PG_PASSWORD",
    "TTHC_RASA_TOKEN",
    "TTHC_ACTIONS_TOKEN",
    "TTHC_AUTH_SECRET",
    "TTHC_INGEST_TOKEN",
    "TTHC_LOOKUP_SECRET",
    "TTHC_DATABASE_URL",
)
FROM_ENVIRONMENT = re.compile(r"\$\{(TTHC_[A-Z_]+):\?[^}]+\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plan() -> Cluster:
    folder = Path(APP) / "var" / "cluster"
    return Cluster(folder, model=Path(APP) / "models" / "tthc.tar.gz")


def _in_container(argument: str) -> str:
    return argument.replace(str(PROJECT_ROOT), APP)


def _as_compose_runs_it(argument: str) -> str:
    """The argument with the secrets the plan leaves to the shell written as compose does."""
    return FROM_ENVIRONMENT.sub(lambda m: f"${m.group(1)}", argument)


def test_the_same_processes_with_the_same_commands(compose: dict[str, Any], plan: Cluster) -> None:
    services = compose["services"]
    processes = plan.processes()
    assert set(services) == {p.name for p in processes} | {"postgres", "config"}
    for process in processes:
        command = [_as_compose_runs_it(str(a)) for a in services[process.name]["command"]]
        assert command == [_in_container(a) for a in process.command], process.name
        if process.name == "nginx":  # its ports are in the configuration it is given
            assert f"listen {process.port};" in plan.nginx_conf()
        else:
            assert str(process.port) in command


def test_postgres_serves_the_tracker_database_on_the_planned_port(
    compose: dict[str, Any], plan: Cluster
) -> None:
    postgres = compose["services"]["postgres"]
    assert str(plan.postgres_port) in postgres["command"]
    assert postgres["environment"]["POSTGRES_DB"] in plan.tracker_db_url
    assert FROM_ENVIRONMENT.fullmatch(postgres["environment"]["POSTGRES_PASSWORD"])


def test_every_app_process_gets_the_planned_settings_and_secrets_from_the_environment(
    compose: dict[str, Any], plan: Cluster
) -> None:
    for process in plan.processes():
        if process.name in ("redis", "nginx"):
            continue
        environment = compose["services"][process.name]["environment"]
        for key, value in plan.environment().items():
            assert re.sub(r":\$\{[^}]+\}@", "@", environment[key]) == value, (process.name, key)
        for secret in SECRETS[1:]:
            assert FROM_ENVIRONMENT.fullmatch(environment[secret]), (process.name, secret)
        assert environment["TTHC_ENV"] == "production"


def test_no_secret_is_written_in_the_file() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for secret in SECRETS:
        for found in re.findall(rf"^\s*{secret}:\s*(.+)$", text, flags=re.MULTILINE):
            assert FROM_ENVIRONMENT.search(found), (secret, found)
    assert "dev-" not in text
