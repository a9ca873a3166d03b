"""The images are built from a lock of the dependencies: docker/constraints.txt pins every
third-party package the services and the gateway tool run with, at the versions this very
test run uses (tools/lock.py), and every image installs with it."""

import re
import subprocess
import sys

from tests.gateway.support import ROOT


def test_the_lock_pins_what_the_tests_run_with():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "lock.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pins = [
        line
        for line in (ROOT / "docker" / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all(re.fullmatch(r"[a-z0-9.-]+==\S+", pin) for pin in pins), pins
    names = {pin.split("==")[0] for pin in pins}
    assert {"flask", "sqlalchemy", "pymysql", "gunicorn", "pyjwt", "ldap3", "jinja2"} <= names
    assert not {name for name in names if name.startswith("ispyb")}  # ours are built


def test_every_image_installs_with_the_lock():
    for dockerfile in (ROOT / "docker").glob("*.Dockerfile"):
        text = dockerfile.read_text()
        installs = re.findall(r"pip install ([^\n\\]+)", text)
        assert installs, dockerfile.name
        assert all("-c /app/constraints.txt" in line for line in installs), dockerfile.name
        assert "COPY docker/constraints.txt /app/constraints.txt" in text, dockerfile.name
        ignore = (ROOT / "docker" / f"{dockerfile.name}.dockerignore").read_text()
        assert "!docker/constraints.txt" in ignore.splitlines(), dockerfile.name
