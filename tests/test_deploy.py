"""compose.yaml, deploy/Caddyfile and .env.example: the city deployment's topology,
checked by reading the files (no Docker engine runs the suite)."""

import re
from graphlib import TopologicalSorter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APIS = ("api1", "api2")
WORKERS = ("worker", "notifier")
UROSTER_SERVICES = ("migrate", *APIS, *WORKERS)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def example_settings() -> tuple[dict[str, str], set[str]]:
    """.env.example: its settings (KEY=value), and the names of commented-out ones."""
    text = (ROOT / ".env.example").read_text()
    settings = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE))
    commented = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))
    return settings, commented


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    return dict(item.split("=", 1) for item in env) if isinstance(env, list) else env


def test_the_services_and_their_images(services):
    assert set(services) == {"db", "migrate", "api1", "api2", "worker", "notifier", "proxy"}
    assert services["db"]["image"] == "postgres:16"
    assert services["proxy"]["image"] == "caddy:2"
    for name in UROSTER_SERVICES:
        assert services[name]["build"] == "." and services[name]["image"] == "uroster:local"
    assert services["migrate"]["command"] == ["uroster", "migrate"]
    assert services["migrate"]["restart"] == "no"  # one-shot
    for name in APIS:
        # Not the image's default command, which would migrate in each API at once.
        assert services[name]["command"] == ["uroster", "serve"]
    # Roster jobs and notifications apart, each queue taken by a worker of its own.
    assert services["worker"]["command"] == ["uroster", "worker", "--queue", "rosters"]
    assert services["worker"]["deploy"]["replicas"] == "${UROSTER_WORKERS:-2}"
    assert services["notifier"]["command"] == ["uroster", "worker", "--queue", "notifications"]


def test_health_checks(services):
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    for name in APIS:
        check = services[name]["healthcheck"]
        assert check["test"][0] == "CMD"
        assert "http://127.0.0.1:8000/readyz" in " ".join(check["test"])
    # The image's own check asks port 8000: off where nothing listens there.
    for name in ("migrate", *WORKERS):
        assert services[name]["healthcheck"] == {"disable": True}


def test_start_order(services):
    def condition(service: str, dependency: str) -> str:
        return services[service]["depends_on"][dependency]["condition"]

    assert condition("migrate", "db") == "service_healthy"
    for name in (*APIS, *WORKERS):
        assert condition(name, "db") == "service_healthy"
        assert condition(name, "migrate") == "service_completed_successfully"
    for name in APIS:
        assert condition("proxy", name) == "service_healthy"
    graph = {name: set(s.get("depends_on", {})) for name, s in services.items()}
    order = list(TopologicalSorter(graph).static_order())
    assert order.index("db") < order.index("migrate") < order.index("api1") < order.index("proxy")
    assert order.index("migrate") < order.index("worker")
    assert order.index("migrate") < order.index("notifier")


def test_only_the_proxy_publishes_ports(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])
    assert all(services[name]["expose"] == ["8000"] for name in APIS)


def test_the_database_is_reached_by_name_with_the_secrets_of_env(services):
    url = (
        "postgresql+psycopg://${POSTGRES_USER:?set POSTGRES_USER in .env}:"
        "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@db:5432/"
        "${POSTGRES_DB:?set POSTGRES_DB in .env}"
    )
    for name in UROSTER_SERVICES:
        assert environment(services[name])["UROSTER_DATABASE_URL"] == url
        assert services[name]["env_file"] == ".env"
    assert environment(services["db"])["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]


def test_the_apis_trust_forwarded_headers_from_the_proxy_network_alone(compose, services):
    (edge,) = compose["networks"]["edge"]["ipam"]["config"]
    for name in APIS:
        env = environment(services[name])
        assert env["FORWARDED_ALLOW_IPS"] == edge["subnet"]  # the same ${...}
        assert env["UROSTER_PUBLIC_URL"].startswith("https://${UROSTER_DOMAIN")
        assert set(services[name]["networks"]) == {"backend", "edge"}
    assert services["proxy"]["networks"] == ["edge"]
    assert services["db"]["networks"] == ["backend"]
    # Nothing else on the edge network could send X-Forwarded-For the APIs believe.
    on_edge = {n for n, s in services.items() if "edge" in s.get("networks", ["backend"])}
    assert on_edge == {"proxy", *APIS}


def test_every_variable_has_a_line_in_env_example(compose):
    compose_text = (ROOT / "compose.yaml").read_text()
    caddy_text = (ROOT / "deploy" / "Caddyfile").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_text))
    used |= set(re.findall(r"\{\$([A-Z][A-Z0-9_]*)", caddy_text))
    settings, commented = example_settings()
    assert used and used <= set(settings), sorted(used - set(settings))
    # No secret is committed: the example's secrets are placeholders or empty.
    for key, value in settings.items():
        if "PASSWORD" in key:
            assert value in ("", "change-me"), key
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    # Optional mail settings are commented out: an empty UROSTER_SMTP_HOST would be a host.
    assert "UROSTER_SMTP_HOST" in commented and "UROSTER_SMTP_HOST" not in settings


def test_caddy_terminates_tls_and_balances_the_apis():
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    code = "\n".join(line.split("#", 1)[0].rstrip() for line in text.splitlines())
    assert re.search(r"^\{\$UROSTER_DOMAIN\} \{$", code, re.MULTILINE)
    assert re.search(r"^\ttls \{\$UROSTER_TLS\}$", code, re.MULTILINE)
    proxy = re.search(r"reverse_proxy ([^{\n]+)\{(.*?)\n\t\t\}", code, re.DOTALL)
    assert proxy is not None
    upstreams = proxy.group(1).split()
    assert upstreams == [f"{name}:8000" for name in APIS]
    options = dict(
        line.strip().split(None, 1) for line in proxy.group(2).splitlines() if line.strip()
    )
    assert options["health_uri"] == "/readyz"
    assert options["health_status"] == "200"
    headers = re.findall(r"header_up (\S+) (\S+)", proxy.group(2))
    assert dict(headers) == {
        "X-Forwarded-For": "{remote_host}",
        "X-Forwarded-Proto": "{scheme}",
        "X-Forwarded-Host": "{host}",
    }
    # /metrics is answered by the proxy itself, never passed on.
    assert re.search(r"handle /metrics \{\s*respond 404\s*\}", code)


def test_the_proxy_gets_the_caddyfile_and_keeps_its_certificates(services):
    volumes = services["proxy"]["volumes"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in volumes
    assert "caddy_data:/data" in volumes
    env = environment(services["proxy"])
    assert set(env) == {"UROSTER_DOMAIN", "UROSTER_TLS"}
    settings, _ = example_settings()
    assert settings["UROSTER_TLS"] == "internal"
