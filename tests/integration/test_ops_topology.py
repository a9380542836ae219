"""The production topology: docker-compose.yml and the Dockerfile checked as files (and by
``docker compose config`` where a Docker client with compose exists), then the same topology
booted from real processes — the compose services' commands, with the compose environment
and .env.example, secrets from files — running one act from the API to its accusé de
réception; /ready, /metrics and the workers' ping answer; no log line of the run holds a
secret or a document."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from sqlalchemy.engine import make_url

from workers.app import ALL_QUEUES
from workflow.adapters.pki import create_dev_pki
from workflow.adapters.store.engine import make_engine
from workflow.adapters.store.repository import SqlStore
from workflow.interfaces.cli.supervisor import Supervisor, actes_argv, free_port, wait_until
from workflow.lifecycle import ActState

from ..conftest import REPO, make_pdf

COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
LONG_RUNNING = ("api", "worker-cpu", "worker-net", "beat", "postgres", "redis", "simulator")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ``${VAR}`` / ``${VAR:-default}`` (and ``$$``)."""

    def one(match: re.Match[str]) -> str:
        found = variables.get(match.group(1), "")
        return found if found else (match.group(3) or "")

    return re.sub(r"\$\{(\w+)(:-([^}]*))?\}", one, value).replace("$$", "$")


# --------------------------------------------------------------------------- the files


def test_compose_file_describes_the_whole_topology() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", *LONG_RUNNING}
    beats = [
        name for name, s in services.items() if s.get("command", [None])[:2] == ["actes", "beat"]
    ]
    assert beats == ["beat"] and services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in LONG_RUNNING:
        assert "test" in services[name].get("healthcheck", {}), f"{name} has no healthcheck"
    assert services["migrate"]["command"] == ["actes", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker-cpu", "worker-net", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    queues = {
        name: services[name]["command"][services[name]["command"].index("--queues") + 1]
        for name in ("worker-cpu", "worker-net")
    }
    assert queues["worker-cpu"] == "packaging"
    assert set(queues["worker-net"].split(",")) == set(ALL_QUEUES) - {"packaging"}
    assert services["simulator"]["profiles"] == ["dev"]
    assert {"actes-data", "pg-data", "redis-data"} <= set(compose()["volumes"])


def test_no_secret_is_written_in_the_compose_file() -> None:
    data = compose()
    for name, service in data["services"].items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            if key.endswith("_FILE"):  # a mounted secret, or a path the operator's .env gives
                assert str(value).startswith(("/run/secrets/", "${")), (name, key)
            elif re.search(r"PASSWORD|PASSPHRASE|SECRET|_KEY$", key):
                assert str(value).startswith("${"), f"{name}: {key} is written in the file"
        if "ACTES_DATABASE_URL" in environment:
            assert make_url(environment["ACTES_DATABASE_URL"]).password is None, name
    for secret in data["secrets"].values():
        assert set(secret) == {"file"}
    for key, value in dotenv(ENV_EXAMPLE).items():
        if re.search(r"PASSWORD|PASSPHRASE|SECRET(?!S_DIR)", key):
            assert not value, f".env.example gives {key} a value"


def test_dockerfile_is_slim_pinned_and_unprivileged() -> None:
    text = (REPO / "Dockerfile").read_text()
    version = re.search(r"python:(\d+)\.(\d+)\.(\d+)-slim", text)
    assert version is not None, "the Python image must be pinned to a patch release"
    major, minor, patch = map(int, version.groups())
    assert (minor == 11 and patch >= 10) or (minor == 12 and patch >= 6) or minor > 12
    assert major == 3
    final_stage = text.rsplit("FROM ", 1)[1]
    assert re.search(r"^USER (?!root|0)", final_stage, re.MULTILINE)
    assert "pip uninstall -y pip setuptools wheel" in final_stage
    assert not re.search(r"build-essential|gcc|g\+\+|\bmake\b|-dev\b", final_stage)
    assert "rm -rf /var/lib/apt/lists/*" in final_stage
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {"secrets/", ".env", ".venv", "actes-data/"} <= set(ignored)  # never in the context


def _docker_compose() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return command
    return None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    command = _docker_compose()
    if command is None:
        pytest.skip("no docker compose client on this machine")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name in (
        "db_password",
        "signer.p12",
        "signer_passphrase",
        "smtp_password",
        "webhook_key",
        "platform_password",
    ):
        (secrets / name).write_text("x")
    result = subprocess.run(
        [
            *command,
            "-f",
            str(COMPOSE),
            "--env-file",
            str(ENV_EXAMPLE),
            "--profile",
            "dev",
            "config",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "SECRETS_DIR": str(secrets)},
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- real processes


class Topology:
    """The compose services as processes on this machine: same commands, same environment,
    container paths and host names mapped to the test's."""

    def __init__(self, tmp: Path, postgres_url: str, redis_url: str) -> None:
        self.data = tmp / "data"
        self.registry = tmp / "collectivites.toml"  # mounted at /etc/actes in the containers
        self.registry.write_text(
            '[[collectivite]]\nname = "Ville de Dreux"\nsiren = "212801344"\n'
            'departement = "028"\nemails = ["actes@ville-dreux.fr"]\n'
        )
        self.secrets = tmp / "secrets"
        self.secrets.mkdir()
        self.api_port, self.platform_port = free_port(), free_port()
        pki = create_dev_pki(tmp / "pki")
        self.passphrase = pki.signer_passphrase.read_text().strip()
        self.secret_values = {
            "db_password": "pg-S3cret-pw",
            "signer_passphrase": self.passphrase,
            "smtp_password": "smtp-S3cret-pw",
            "webhook_key": "hook-S3cret-key",
            "platform_password": "",
        }
        for name, value in self.secret_values.items():
            (self.secrets / name).write_text(value + "\n")
        shutil.copy(pki.signer_p12, self.secrets / "signer_p12")
        variables = {
            **dotenv(ENV_EXAMPLE),
            "ACTES_PLATFORM_URL": f"http://127.0.0.1:{self.platform_port}",  # the operator's .env
            "ACTES_POLL_SECONDS": "1",
            "ACTES_SWEEP_SECONDS": "5",
        }
        services = compose()["services"]
        self.env = {
            key: self._place(interpolate(str(value), variables))
            for key, value in services["api"]["environment"].items()
        }
        self.env["ACTES_DATABASE_URL"] = postgres_url
        self.env["ACTES_BROKER_URL"] = redis_url
        self.commands = {
            name: self._argv(services[name]["command"], variables)
            for name in services
            if "command" in services[name] and services[name]["command"][0] == "actes"
        }

    def _place(self, value: str) -> str:
        value = value.replace("/var/lib/actes", str(self.data))
        value = value.replace("/etc/actes/collectivites.toml", str(self.registry))
        return re.sub(r"/run/secrets/(\w+)", lambda m: str(self.secrets / m.group(1)), value)

    def _argv(self, command: list[str], variables: dict[str, str]) -> list[str]:
        mapped = {
            "0.0.0.0": "127.0.0.1",  # noqa: S104 - replaced, not bound
            "8080": str(self.api_port),
            "8443": str(self.platform_port),
        }
        args = [mapped.get(a, self._place(interpolate(a, variables))) for a in command[1:]]
        return actes_argv(*args)


def _run(
    argv: list[str], env: dict[str, str], log: Path | None
) -> subprocess.CompletedProcess[str]:
    """Run a one-shot command; its output joins the run's logs (``None``: a token on stdout)."""
    result = subprocess.run(
        argv, capture_output=True, text=True, env={**_base_env(), **env}, timeout=120, check=False
    )
    with (log or log_of_token_issue(env)).open("a") as stream:
        stream.write((result.stdout if log else "") + result.stderr)
    return result


def log_of_token_issue(env: dict[str, str]) -> Path:
    return Path(env["ACTES_DATA_DIR"]).parent / "logs" / "token.log"


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ACTES_")}


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_the_compose_topology_runs_an_act_from_real_processes(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    import redis as redis_client

    redis_client.Redis.from_url(redis_url).flushdb()
    top = Topology(tmp_path, postgres_url, redis_url)
    logs = tmp_path / "logs"
    logs.mkdir()
    migrated = _run(top.commands["migrate"], top.env, logs / "migrate.log")
    assert migrated.returncode == 0, migrated.stderr
    registry = top._place("/etc/actes/collectivites.toml")
    assert (
        _run(
            actes_argv("collectivites", "import", str(registry)), top.env, logs / "cli.log"
        ).returncode
        == 0
    )
    issued = _run(
        actes_argv("token", "issue", "--name", "t", "--siren", "212801344"),
        top.env,
        None,
    )
    token = issued.stdout.strip()
    assert issued.returncode == 0 and token
    api = f"http://127.0.0.1:{top.api_port}"
    with Supervisor(logs) as supervisor:
        supervisor.start("simulator", top.commands["simulator"], env={**_base_env(), **top.env})
        for name in ("api", "worker-cpu", "worker-net", "beat"):
            supervisor.start(name, top.commands[name], env={**_base_env(), **top.env})

        def ready() -> bool:
            try:
                return requests.get(f"{api}/ready", timeout=10).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(ready, timeout=90, what="/ready", supervisor=supervisor)
        deliberation = make_pdf(
            "Ville de Dreux\nCONSEIL MUNICIPAL DU JEUDI 13 OCTOBRE 2022\n"
            "DÉLIBÉRATION N°DEL2022-301\n\nEspace Numérique de Travail\n\n"
            "Nombre de présents 30\nVotants 30\nAPRÈS EN AVOIR DÉLIBÉRÉ, à l'unanimité\n"
        )
        posted = requests.post(
            f"{api}/api/acts",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "topology-1"},
            files={"document": ("deliberation.pdf", deliberation, "application/pdf")},
            data={"metadata": json.dumps({"classification": "8.1"})},
            timeout=60,
        )
        assert posted.status_code == 201, posted.text
        assert posted.headers["X-Request-ID"]
        act_id = posted.json()["act"]["id"]
        store = SqlStore(make_engine(postgres_url), tmp_path / "data" / "files")

        def acknowledged() -> bool:
            return store.get_act(act_id).state is ActState.ACKNOWLEDGED

        wait_until(acknowledged, timeout=120, what="the accusé de réception", supervisor=supervisor)
        store.close()
        for node in ("cpu", "net"):
            import socket

            pinged = _run(
                actes_argv("ping-workers", "--destination", f"{node}@{socket.gethostname()}"),
                top.env,
                logs / "ping.log",
            )
            assert pinged.returncode == 0, pinged.stderr
        metrics = requests.get(f"{api}/metrics", timeout=30).text
        assert 'actes_acts{siren="212801344",state="acknowledged"} 1.0' in metrics
        assert "actes_submission_to_ar_seconds_count 1.0" in metrics
        assert "actes_certificate_days_left" in metrics
        time.sleep(1)
    _check_logs(logs, top, token, act_id)


def _check_logs(logs: Path, top: Topology, token: str, act_id: int) -> None:
    """Every log of the run: JSON lines with the act's context, and no secret, no document."""
    secrets = [value for value in top.secret_values.values() if value]
    forbidden = [token, *secrets, "%PDF", "-----BEGIN", "PRIVATE KEY"]
    lines: list[dict[str, Any]] = []
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(errors="replace")
        for secret in forbidden:
            assert secret not in text, f"{path.name} holds a secret or a document ({secret[:6]}…)"
        if path.stem in ("api", "worker-cpu", "worker-net", "beat"):
            for line in text.splitlines():
                if line.startswith("{"):
                    lines.append(json.loads(line))
    changes = [e for e in lines if e.get("event") == "state_changed" and e.get("act_id") == act_id]
    assert {c["to_state"] for c in changes} >= {"packaged", "submitted", "acknowledged"}
    assert all(c["siren"] == "212801344" for c in changes)
    assert any(c.get("task_id") for c in changes)
    assert any(e.get("event") == "platform_call" and e.get("platform_ref") for e in lines)
    assert any(e.get("request_id") for e in lines)
