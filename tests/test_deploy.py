"""The deployment files run exactly the processes make run-cluster runs, secrets aside.

The plan is ``bench.cluster.Cluster`` (what scripts/run-cluster.sh and the fault tests start).
deploy/docker-compose.yml runs the same commands with /app for the project, the same ports,
the same settings, and takes every secret from the environment (``${VAR:?…}``).
deploy/kubernetes/tthc.yaml runs each kind of process with as many replicas, the same command
(listening on the pod's address), the same nginx routing and settings (hosts become Service
names), and takes every secret from the Secret ``tthc-secrets``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bench.cluster import PEER_PARAMETERS, Cluster
from knowledge.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "deploy" / "docker-compose.yml"
KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes" / "tthc.yaml"
APP = "/app"
SECRETS = (
    "TTHC_PG_PASSWORD",
    "TTHC_RASA_TOKEN",
    "TTHC_ACTIONS_TOKEN",
    "TTHC_AUTH_SECRET",
    "TTHC_INGEST_TOKEN",
    "TTHC_LOOKUP_SECRET",
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
    assert set(services) == {p.name for p in processes} | {"postgres", "config", "catalog"}
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


# --------------------------------------------------------------------------- Kubernetes


@pytest.fixture(scope="module")
def kubernetes() -> dict[str, dict[str, Any]]:
    """The manifests by ``Kind/name``."""
    documents = yaml.safe_load_all(KUBERNETES.read_text(encoding="utf-8"))
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in documents}


def _kind(name: str) -> str:
    return name.rstrip("0123456789")


def _in_pod(argument: str) -> str:
    """An argument of the plan as a pod runs it: on the pod's address, secrets as $(VAR)."""
    if argument == "127.0.0.1":
        return "0.0.0.0"
    return re.sub(r"\$(TTHC_[A-Z_]+)", r"$(\1)", _in_container(argument))


def _containers(kubernetes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        container
        for document in kubernetes.values()
        if document["kind"] in ("StatefulSet", "Deployment", "Job")
        for container in document["spec"]["template"]["spec"]["containers"]
        if container["image"] == "tthc-assistant"
    ]


def test_kubernetes_runs_each_app_process_as_often_with_the_same_command(
    kubernetes: dict[str, dict[str, Any]], plan: Cluster
) -> None:
    kinds = {_kind(p.name) for p in plan.processes()} - {"redis", "nginx"}
    assert kinds == {"actions", "rasa", "api"}
    for kind in kinds:
        processes = [p for p in plan.processes() if _kind(p.name) == kind]
        workload = kubernetes[f"StatefulSet/{kind}"]
        assert workload["spec"]["replicas"] == len(processes), kind
        [container] = workload["spec"]["template"]["spec"]["containers"]
        assert container["command"] == [_in_pod(a) for a in processes[0].command], kind
        assert container["ports"] == [{"containerPort": processes[0].port}], kind
        assert kubernetes[f"Service/{kind}"]["spec"]["clusterIP"] == "None"  # one name each
    [redis] = [p for p in plan.processes() if p.name == "redis"]
    [container] = kubernetes["Deployment/redis"]["spec"]["template"]["spec"]["containers"]
    dir_at = redis.command.index("--dir")
    assert container["command"][:dir_at] == [_in_pod(a) for a in redis.command[:dir_at]]
    postgres = kubernetes["StatefulSet/postgres"]["spec"]["template"]["spec"]["containers"][0]
    assert str(plan.postgres_port) in postgres["args"]


def test_kubernetes_nginx_routes_as_the_generated_configuration(
    kubernetes: dict[str, dict[str, Any]], plan: Cluster
) -> None:
    conf = kubernetes["ConfigMap/nginx-conf"]["data"]["nginx.conf"]
    generated = plan.nginx_conf()
    for directive in (
        "hash $http_x_conversation_id consistent;",
        "least_conn;",
        "proxy_next_upstream error timeout http_502 http_503;",
        "add_header X-Upstream $upstream_addr always;",
        "proxy_set_header Upgrade $http_upgrade;",
        "client_max_body_size 2m;",
    ):
        assert directive in generated and directive in conf, directive
    for port in (plan.entry_port, plan.rasa_entry_port, plan.actions_entry_port):
        assert re.search(rf"listen (127\.0\.0\.1:)?{port};", generated)
        assert f"listen {port};" in conf
    for kind, ports in (("api", plan.api_ports), ("rasa", plan.rasa_ports),
                        ("actions", plan.actions_ports)):  # fmt: skip
        servers = re.findall(rf"server {kind}-(\d+)\.{kind}:(\d+) (.*);", conf)
        assert [int(i) for i, _, _ in servers] == list(range(len(ports))), kind
        assert {int(p) for _, p, _ in servers} == {ports[0]}, kind
        assert {params for _, _, params in servers} == {PEER_PARAMETERS}, kind
    [service] = kubernetes["Service/nginx"]["spec"]["ports"]
    assert service["port"] == plan.entry_port


def test_kubernetes_endpoints_are_the_bots_with_the_actions_behind_nginx(
    kubernetes: dict[str, dict[str, Any]], plan: Cluster
) -> None:
    mounted = yaml.safe_load(kubernetes["ConfigMap/rasa-endpoints"]["data"]["endpoints.yml"])
    planned = yaml.safe_load(plan.endpoints_yml())
    url = urlsplit(mounted["action_endpoint"]["url"])
    assert (url.port, url.path) == (plan.actions_entry_port, "/webhook")
    mounted["action_endpoint"]["url"] = planned["action_endpoint"]["url"]
    assert mounted == planned


def test_kubernetes_settings_are_the_plans_with_service_names(
    kubernetes: dict[str, dict[str, Any]], plan: Cluster
) -> None:
    settings = kubernetes["ConfigMap/tthc-settings"]["data"]
    assert settings["TTHC_ENV"] == "production"
    for container in _containers(kubernetes):
        assert container["envFrom"] == [{"configMapRef": {"name": "tthc-settings"}}]
        values = {**settings, **{e["name"]: e.get("value") for e in container["env"]}}
        for key, value in plan.environment().items():
            if key == "TTHC_TRUSTED_PROXIES":  # nginx reaches the API from the pod network
                continue
            planned, deployed = urlsplit(value), urlsplit(values[key])
            assert (deployed.scheme, deployed.port, deployed.path, deployed.username) == (
                planned.scheme, planned.port, planned.path, planned.username
            ), (container["name"], key)  # fmt: skip


def test_kubernetes_secrets_come_from_the_secret_only(
    kubernetes: dict[str, dict[str, Any]],
) -> None:
    for container in _containers(kubernetes):
        env = {e["name"]: e for e in container["env"]}
        for secret in SECRETS:
            assert env[secret]["valueFrom"] == {
                "secretKeyRef": {"name": "tthc-secrets", "key": secret}
            }, (container["name"], secret)
        for key in ("TTHC_TRACKER_DB_URL", "TTHC_DATABASE_URL"):
            assert ":$(TTHC_PG_PASSWORD)@" in env[key]["value"]
    [postgres] = kubernetes["StatefulSet/postgres"]["spec"]["template"]["spec"]["containers"]
    password = next(e for e in postgres["env"] if e["name"] == "POSTGRES_PASSWORD")
    assert password["valueFrom"]["secretKeyRef"]["name"] == "tthc-secrets"
    assert "Secret" not in {d["kind"] for d in kubernetes.values()}
    text = KUBERNETES.read_text(encoding="utf-8")
    assert "dev-" not in text
