"""deploy/compose.yaml, checked as far as this machine can without a container engine: it is
a valid Compose file (the compose specification's JSON schema), it runs only commands the
image has, names only settings the code reads, keeps secrets in env files, and the balancer
sends traffic to the ports the processes listen on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from backend.config import Settings
from bot.webhook import WEBHOOK_PATH
from ramtid.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# The compose specification's schema, from github.com/compose-spec/compose-spec
# (schema/compose-spec.json, Apache-2.0, commit 170098ba07d9).
SCHEMA = ROOT / "tests" / "support" / "compose-spec.json"
IMAGE = "ramtid:latest"
SECRETS = re.compile(r"TOKEN|SECRET|PASSWORD|DATABASE_URL")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose["services"].items() if s.get("image") == IMAGE}


def env_file(name: str) -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_the_compose_file_is_valid_by_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose)


def test_every_process_is_the_one_image_running_a_command_it_has(
    compose: dict[str, Any],
) -> None:
    services = ours(compose)
    assert set(services) == {"migrate", "backend", "speech", "bot", "notifier"}
    commands = set()
    for name, service in services.items():
        program, *args = service["command"]
        assert program == "ramtid", name
        build_parser().parse_args(args)  # exits on a command the image does not have
        commands.add(args[0])
    assert commands == {"migrate", "serve", "bot", "notifier"}
    assert [n for n, s in services.items() if "build" in s] == ["migrate"]


def test_settings_are_ones_the_code_reads_and_secrets_live_in_env_files(
    compose: dict[str, Any],
) -> None:
    known = {f"RAMTID_{name.upper()}" for name in Settings.model_fields}
    example = env_file("ramtid.env.example")
    written = set(example)
    for service in ours(compose).values():
        written |= set(service.get("environment", {}))
        assert service["env_file"] == [{"path": "ramtid.env", "required": True}]
    assert written <= known, written - known
    for service in ours(compose).values():
        assert not [k for k in service.get("environment", {}) if SECRETS.search(k)]
    # Every secret in the example is a placeholder to replace, never a usable default.
    secrets = {k: v for k, v in example.items() if SECRETS.search(k)}
    assert set(secrets) >= {
        "RAMTID_DATABASE_URL",
        "RAMTID_SERVICE_TOKEN",
        "RAMTID_TELEGRAM_TOKEN",
        "RAMTID_WEBHOOK_SECRET",
    }
    assert all("CHANGE-ME" in v for v in secrets.values()), secrets
    assert env_file("postgres.env.example")["POSTGRES_PASSWORD"] == "CHANGE-ME"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "deploy/*.env" in ignored and "deploy/*.pem" in ignored


def test_every_long_running_service_is_health_checked(compose: dict[str, Any]) -> None:
    unchecked = {
        name
        for name, service in compose["services"].items()
        if service.get("healthcheck", {"disable": True}).get("disable")
    }
    # migrate runs once; the notifier is probed on the port of its metrics.
    assert unchecked == {"migrate"}
    probe = " ".join(compose["services"]["notifier"]["healthcheck"]["test"])
    assert f"127.0.0.1:{Settings().notifier_metrics_port}/metrics" in probe
    for name, service in compose["services"].items():
        for needed in service.get("depends_on", {}):
            assert needed in compose["services"], f"{name} waits for {needed}"


def test_the_balancer_sends_each_stream_to_the_port_its_process_listens_on(
    compose: dict[str, Any],
) -> None:
    config = (DEPLOY / "haproxy.cfg").read_text()
    targets = dict(re.findall(r"server-template \w+ \d+ (\w+):(\d+)", config))
    assert targets == {"bot": str(Settings().webhook_port), "backend": "8000", "speech": "8000"}
    for name in ("backend", "speech"):
        command = compose["services"][name]["command"]
        assert command[command.index("--port") + 1] == "8000"
    assert f"{{ path {WEBHOOK_PATH} }}" in config
    for name in ("bot", "notifier"):
        url = compose["services"][name]["environment"]["RAMTID_BACKEND_URL"]
        assert url == "http://balancer:8000"
    assert "use_backend speech if { path_beg /speech/ }" in config
