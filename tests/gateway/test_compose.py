"""docker-compose.yml and what it runs, tested without a docker engine (there is none here).

- the file is valid for Debian's docker-compose 1.29 (`config -q`);
- the services a site selects are the ones `up` starts (asked of docker-compose's own
  code, see compose_services.py), and Kong gets a kong.yml rendered for exactly those;
- the pieces inside the images run for real: the MariaDB init script against a real
  MariaDB, the service entrypoint with gunicorn, the gateway-config renderer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymysql
import pytest
import yaml

from tests.gateway.support import ROOT, free_port, request

COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"


def docker_compose() -> str:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed: bash tools/install-system-deps.sh compose"
    return binary


def site_env(tmp_path: Path, **changes: str) -> Path:
    """.env.example with some settings changed in place, as a site's .env."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    for key, value in changes.items():
        assert any(line.startswith(f"{key}=") for line in lines), key
        lines = [f"{key}={value}" if line.startswith(f"{key}=") else line for line in lines]
    path = tmp_path / f"site-{len(list(tmp_path.glob('site-*')))}.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def compose(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    # A clean environment: the site's settings come from the env file only.
    return subprocess.run(
        [docker_compose(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": str(env_file.parent)},
        timeout=120,
    )


def started_services(env_file: Path) -> list[str]:
    result = ask_compose_what_starts(env_file)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def ask_compose_what_starts(env_file: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "/usr/bin/python3",
            str(Path(__file__).with_name("compose_services.py")),
            str(ROOT),
            str(env_file),
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=env_file.parent,
        env={"PATH": os.environ["PATH"], "HOME": str(env_file.parent)},
        timeout=120,
    )


def test_compose_file_is_valid_with_the_example_settings():
    result = compose(ENV_EXAMPLE, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_without_settings_says_what_is_missing(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = compose(empty, "config", "-q")
    assert result.returncode != 0
    assert "MARIADB_ROOT_PASSWORD" in result.stderr or "ISPYB_SERVICES" in result.stderr


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("core,ssx,em,auth", {"core", "ssx", "em", "auth"}),
        ("core,auth,em", {"core", "auth", "em"}),
        ("core", {"core"}),
    ],
)
def test_compose_starts_only_the_selected_services(selection, expected, tmp_path):
    env_file = site_env(tmp_path, ISPYB_SERVICES=selection)
    assert compose(env_file, "config", "-q").returncode == 0
    infrastructure = {"mariadb", "gateway-config", "kong", "viewer"}
    assert set(started_services(env_file)) == expected | infrastructure
    config = yaml.safe_load(compose(env_file, "config").stdout)
    # The selection reaches the database initialisation and Kong's config renderer.
    assert config["services"]["mariadb"]["environment"]["ISPYB_SERVICES"] == selection
    assert config["services"]["gateway-config"]["environment"]["ISPYB_SERVICES"] == selection


def test_replicas_per_service_are_a_site_setting(tmp_path):
    """ISPYB_<SVC>_REPLICAS: the containers `up` starts per service (compose's own code);
    only Kong is published, so replicas never compete for a host port."""
    default = ask_compose_what_starts(ENV_EXAMPLE, "--scale")
    assert default.returncode == 0, default.stderr
    assert all(count == 1 for count in json.loads(default.stdout).values())
    env_file = site_env(tmp_path, ISPYB_CORE_REPLICAS="3", ISPYB_AUTH_REPLICAS="2")
    result = ask_compose_what_starts(env_file, "--scale")
    assert result.returncode == 0, result.stderr
    scale = json.loads(result.stdout)
    assert (scale["core"], scale["auth"], scale["ssx"], scale["em"]) == (3, 2, 1, 1)
    assert scale["kong"] == 1 and scale["mariadb"] == 1
    config = yaml.safe_load(compose(env_file, "config").stdout)
    for name in ("core", "ssx", "em", "auth"):
        assert (
            "ports" not in config["services"][name]
            and "container_name" not in (config["services"][name])
        )
    # Kong finds new and gone replicas within seconds, not after Docker DNS's TTL.
    assert config["services"]["kong"]["environment"]["KONG_DNS_VALID_TTL"] == "10"
    broken = site_env(tmp_path, ISPYB_CORE_REPLICAS="two")
    assert compose(broken, "config", "-q").returncode != 0


@pytest.mark.parametrize("selection", ["em,auth", "ssx", "ssx,em,auth"])
def test_a_selection_without_a_needed_peer_is_refused_with_a_message(selection, tmp_path):
    env_file = site_env(tmp_path, ISPYB_SERVICES=selection)
    result = ask_compose_what_starts(env_file)
    assert result.returncode != 0
    assert 'Service "core" was pulled in as a dependency' in result.stderr
    assert "not enabled by the active profiles" in result.stderr


def _target(upstream) -> tuple[str, int]:
    (target,) = upstream["targets"]
    host, port = target["target"].split(":")
    return host, int(port)


def test_every_service_finds_its_peers_by_compose_name():
    """Each setting that names another service points at a service of the file, by its
    compose name and the port kong.yml routes to; ssx and em wait for core to be ready."""
    config = yaml.safe_load(compose(ENV_EXAMPLE, "config").stdout)
    services = config["services"]
    source = yaml.safe_load((ROOT / "gateway" / "kong.yml").read_text())
    ports = {u["name"].removesuffix("-upstream"): _target(u)[1] for u in source["upstreams"]}
    for name in ("core", "ssx", "em"):
        environment = services[name]["environment"]
        jwks = urlsplit(environment[f"ISPYB_{name.upper()}__AUTH__JWKS_URL"])
        assert (jwks.hostname, jwks.port) == ("auth", ports["auth"])
        assert jwks.path == "/ispyb/api/v1/auth/.well-known/jwks.json"
    for name in ("ssx", "em"):
        core = urlsplit(services[name]["environment"][f"ISPYB_{name.upper()}__CORE__URL"])
        assert (core.hostname, core.port) == ("core", ports["core"])
        assert services[name]["depends_on"]["core"]["condition"] == "service_healthy"
    for service in services.values():
        for peer in service.get("depends_on", {}):
            assert peer in services


def test_compose_wiring(tmp_path):
    config = yaml.safe_load(compose(ENV_EXAMPLE, "config").stdout)
    services = config["services"]
    kong = services["kong"]
    assert kong["image"].startswith("kong:3")
    assert kong["environment"]["KONG_DATABASE"] == "off"
    assert kong["environment"]["KONG_DECLARATIVE_CONFIG"] == "/gateway/kong.yml"
    assert kong["depends_on"]["gateway-config"]["condition"] == "service_completed_successfully"
    assert kong["healthcheck"]["test"] == ["CMD", "kong", "health"]
    assert kong["ports"][0] == "127.0.0.1:8000:8000/tcp"  # the one URL of the site
    # Kong reads what gateway-config writes.
    assert kong["volumes"] == ["gateway-config:/gateway:ro"]
    assert services["gateway-config"]["volumes"] == ["gateway-config:/gateway:rw"]
    assert services["mariadb"]["healthcheck"]["test"][1] == "healthcheck.sh"

    source = yaml.safe_load((ROOT / "gateway" / "kong.yml").read_text())
    upstreams = {u["name"].removesuffix("-upstream"): _target(u) for u in source["upstreams"]}
    for name in ("core", "ssx", "em", "auth"):
        service = services[name]
        assert service["profiles"] == [name]
        assert service["build"]["dockerfile"] == "docker/service.Dockerfile"
        assert service["build"]["args"]["SERVICE"] == name
        # kong.yml's upstream target is this service's compose name and port.
        assert upstreams[name][0] == name
        assert service["build"]["args"]["PORT"] == str(upstreams[name][1])
        assert service["depends_on"]["mariadb"]["condition"] == "service_healthy"
        assert f"/ispyb/api/v1/{name}/ready" in " ".join(service["healthcheck"]["test"])
        assert "ports" not in service  # only Kong is published
        url = service["environment"][f"ISPYB_{name.upper()}__DATABASE__URL"]
        assert url.startswith(f"mysql+pymysql://{name}:") and f"@mariadb:3306/ispyb_{name}" in url
        # The config file is a site setting, mounted where the image reads it.
        assert service["volumes"] == [
            f"{ROOT}/services/{name}/config.yaml:/etc/ispyb/{name}.yaml:ro"
        ]
    # Safe by default: auth's development mode (a dummy login plugin) is off.
    assert services["auth"]["environment"]["ISPYB_AUTH__DEVELOPMENT"] == "false"


def test_no_secret_is_written_in_the_compose_file():
    text = COMPOSE_FILE.read_text()
    for line in text.splitlines():
        if re.search(r"password", line, re.I) and ":" in line and not line.lstrip().startswith("#"):
            assert "${" in line, f"a password that is not a setting: {line.strip()}"


def test_gateway_config_container_renders_kong_yml_for_the_selection(tmp_path, gateway_tool):
    dockerfile = (ROOT / "docker" / "gateway-config.Dockerfile").read_text()
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M).group(1))
    assert entrypoint[0] == "ispyb-gateway"  # the gateway package's command
    out = tmp_path / "gateway"
    command = [sys.executable, "-m", "ispyb_gateway", *entrypoint[1:]]
    command[command.index("/gateway")] = str(out)
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": os.environ["PATH"],
            "ISPYB_SERVICES": "core,em",
            "ISPYB_GATEWAY_CORS_ORIGINS": "https://ispyb.example.org",
        },
    )
    assert result.returncode == 0, result.stderr
    kong = yaml.safe_load((out / "kong.yml").read_text())
    assert gateway_tool.project_services(kong) == ["core", "em"]
    assert not (out / "nginx.conf").exists()
    # Kong's JSON error template, next to kong.yml in the volume Kong reads.
    assert "%s" in (out / "error-template.json").read_text()
    deck = subprocess.run(["deck", "validate", "-s", str(out / "kong.yml")], capture_output=True)
    assert deck.returncode == 0
    # A bad selection stops it, so Kong does not start with a wrong config.
    bad = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "ISPYB_SERVICES": "core,mx"},
    )
    assert bad.returncode != 0 and "unknown service" in bad.stderr


def test_dockerfiles_copy_what_exists():
    for dockerfile in (ROOT / "docker").glob("*.Dockerfile"):
        text = dockerfile.read_text()
        for source in re.findall(r"^COPY (\S+) ", text, re.M):
            for service in ("core", "ssx", "em", "auth"):
                path = ROOT / source.replace("${SERVICE}", service)
                assert path.exists(), f"{dockerfile.name}: COPY {source} ({service})"
    for service in ("core", "ssx", "em", "auth"):
        assert (ROOT / "services" / service / "config.yaml").exists()


@pytest.fixture
def mariadb_admin(mariadb):
    url = mariadb.server.admin_url() if mariadb.server else mariadb.external_url
    parts = urlsplit(url)
    return {
        "host": parts.hostname,
        "port": parts.port or 3306,
        "user": unquote(parts.username),
        "password": unquote(parts.password or ""),
    }


def run_init_script(admin: dict, env: dict) -> subprocess.CompletedProcess:
    """Source the script as MariaDB's image does, with its docker_process_sql."""
    script = ROOT / "docker" / "mariadb" / "initdb" / "10-ispyb-databases.sh"
    client = shutil.which("mariadb") or shutil.which("mysql")
    assert client, "the MariaDB client is not installed: bash tools/install-system-deps.sh test"
    shell = (
        'docker_process_sql() { "$CLIENT" --no-defaults --protocol=tcp -h "$DB_HOST" '
        '-P "$DB_PORT" -u "$DB_USER" "$@"; }\n'
        f'source "{script}"\n'
    )
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", shell],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": os.environ["PATH"],
            "CLIENT": client,
            "DB_HOST": admin["host"],
            "DB_PORT": str(admin["port"]),
            "DB_USER": admin["user"],
            "MYSQL_PWD": admin["password"],
            **env,
        },
    )


def test_mariadb_init_creates_a_database_and_user_per_selected_service(mariadb_admin):
    passwords = {"core": "c0re'pass\\word", "em": "em-pass"}
    env = {
        "ISPYB_SERVICES": "core,em",
        "ISPYB_CORE_DB_PASSWORD": passwords["core"],
        "ISPYB_EM_DB_PASSWORD": passwords["em"],
    }
    try:
        result = run_init_script(mariadb_admin, env)
        assert result.returncode == 0, result.stderr
        assert run_init_script(mariadb_admin, env).returncode == 0  # re-running is harmless
        host, port = mariadb_admin["host"], mariadb_admin["port"]
        for service, password in passwords.items():
            with (
                pymysql.connect(
                    host=host,
                    port=port,
                    user=service,
                    password=password,
                    database=f"ispyb_{service}",
                ) as connection,
                connection.cursor() as cursor,
            ):
                cursor.execute("CREATE TABLE t (id INT)")
                cursor.execute("SHOW DATABASES")
                visible = {row[0] for row in cursor.fetchall()}
                # A service sees its own database only.
                assert f"ispyb_{service}" in visible
                assert not visible & {f"ispyb_{other}" for other in passwords if other != service}
        with pymysql.connect(**mariadb_admin) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW DATABASES LIKE 'ispyb\\_%%'")
            assert {row[0] for row in cursor.fetchall()} >= {"ispyb_core", "ispyb_em"}
            cursor.execute("SELECT COUNT(*) FROM mysql.user WHERE User IN ('ssx', 'auth')")
            assert cursor.fetchone()[0] == 0  # not selected, not created
    finally:
        with pymysql.connect(**mariadb_admin) as connection, connection.cursor() as cursor:
            for service in passwords:
                cursor.execute(f"DROP DATABASE IF EXISTS ispyb_{service}")
                cursor.execute(f"DROP USER IF EXISTS '{service}'@'%'")


def test_mariadb_init_refuses_a_selected_service_without_password(mariadb_admin):
    result = run_init_script(mariadb_admin, {"ISPYB_SERVICES": "ssx"})
    assert result.returncode != 0
    assert "ISPYB_SSX_DB_PASSWORD is not set" in result.stderr


def test_service_entrypoint_migrates_then_serves(tmp_path, tokens):
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "ISPYB_SERVICE": "em",
        "ISPYB_PORT": str(port),
        "ISPYB_WORKERS": "1",
        # As in the image: the config file at its place, the database from the environment.
        "ISPYB_EM_CONFIG": str(ROOT / "services" / "em" / "config.yaml"),
        "ISPYB_EM__DATABASE__URL": f"sqlite:///{tmp_path}/em.sqlite",
        "ISPYB_EM__AUTH__JWKS_URL": "null",
        "ISPYB_EM__AUTH__PUBLIC_KEY_FILE": str(tokens.public_key_file),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    # Left by an earlier run of the container: emptied before gunicorn starts.
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_1.db").write_bytes(b"stale")
    log = tmp_path / "em.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "docker" / "service-entrypoint.sh")],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = request(port, "GET", "/ispyb/api/v1/em/ready", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"the entrypoint did not serve:\n{log.read_text()}")
        # Migrated and serving; not ready, rightly: no core runs beside it here.
        assert ready.json()["database"] == "ok"
        assert ready.json()["dependencies"]["core"]["status"] == "down"
        assert ready.status == 503
        assert request(port, "GET", "/ispyb/api/v1/em/health").status == 200
        assert "database schema is up to date" in log.read_text()
        # The worker's metrics, in the multiprocess directory (docs/operations.md).
        assert not (tmp_path / "metrics" / "counter_1.db").exists()
        metrics = request(port, "GET", "/ispyb/api/v1/em/metrics")
        assert metrics.status == 200
        assert 'route="/ispyb/api/v1/em/health"' in metrics.body.decode()
        assert list((tmp_path / "metrics").glob("counter_*.db"))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_service_entrypoint_runs_one_off_commands(tmp_path):
    result = subprocess.run(
        [str(ROOT / "docker" / "service-entrypoint.sh"), "sh", "-c", "echo $ISPYB_EM_CONFIG"],
        env={"PATH": os.environ["PATH"], "ISPYB_SERVICE": "em", "ISPYB_PORT": "8003"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/etc/ispyb/em.yaml"  # the image's config file


def test_service_entrypoint_stops_on_a_bad_configuration(tmp_path):
    result = subprocess.run(
        [str(ROOT / "docker" / "service-entrypoint.sh")],
        env={
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "ISPYB_SERVICE": "em",
            "ISPYB_PORT": str(free_port()),
            "ISPYB_EM_CONFIG": str(ROOT / "services" / "em" / "config.yaml"),
            "ISPYB_EM__DATABASE__POOL_SIZE": "lots",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "pool_size" in result.stderr
