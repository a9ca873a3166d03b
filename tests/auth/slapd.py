"""A private OpenLDAP server for the LDAP tests.

The test session writes a slapd.conf and an LDIF of test people and groups into a
temporary directory, loads the LDIF with ``slapadd`` into an mdb database there and runs
``slapd`` in the foreground on a free loopback port. Nothing system-wide is used or
changed; a missing slapd fails the tests (``make install-test-deps`` installs it).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.support.ports import free_port

INSTALL_HINT = (
    "slapd is not installed: run `make install-test-deps` (Debian packages slapd, ldap-utils)"
)
SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-secret"
_STARTUP_TIMEOUT_S = 30.0
_PORT_ATTEMPTS = 3


def ssha(password: str) -> str:
    """The {SSHA} userPassword value slapd checks binds against."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _binary(name: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if found is None:
        raise RuntimeError(INSTALL_HINT)
    return found


class Slapd:
    def __init__(self, base_dir: Path, ldif: str):
        self.base_dir = base_dir
        self.ldif = ldif
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        data = self.base_dir / "data"
        data.mkdir(parents=True, exist_ok=True)
        schema = Path("/etc/ldap/schema")
        config = self.base_dir / "slapd.conf"
        config.write_text(
            "\n".join(
                [
                    f"include {schema / 'core.schema'}",
                    f"include {schema / 'cosine.schema'}",
                    f"include {schema / 'inetorgperson.schema'}",
                    f"pidfile {self.base_dir / 'slapd.pid'}",
                    f"argsfile {self.base_dir / 'slapd.args'}",
                    "modulepath /usr/lib/ldap",
                    "moduleload back_mdb",
                    "database mdb",
                    "maxsize 10485760",
                    f'suffix "{SUFFIX}"',
                    f'rootdn "{ROOT_DN}"',
                    "rootpw admin-secret",
                    f"directory {data}",
                    # Passwords: checked on bind, never readable. Everything else: the
                    # reader account and bound people read; anonymous reads too (the tests
                    # cover both the search-account and the anonymous configuration).
                    "access to attrs=userPassword by self read by anonymous auth by * none",
                    "access to * by * read",
                    "",
                ]
            )
        )
        return config

    def start(self) -> None:
        slapd, slapadd = _binary("slapd"), _binary("slapadd")
        config = self._write_config()
        ldif = self.base_dir / "data.ldif"
        ldif.write_text(self.ldif)
        subprocess.run(
            [slapadd, "-f", str(config), "-l", str(ldif)],
            check=True,
            capture_output=True,
        )
        last_error = ""
        for _ in range(_PORT_ATTEMPTS):
            self.port = free_port()
            log = open(self.base_dir / "slapd.log", "wb")  # noqa: SIM115 - lives with the server
            # -d keeps slapd in the foreground, so the test session owns the process.
            self.process = subprocess.Popen(
                [slapd, "-h", f"ldap://127.0.0.1:{self.port}/", "-f", str(config), "-d", "0"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            if self._wait_listening():
                return
            last_error = (self.base_dir / "slapd.log").read_text(errors="replace")[-2000:]
            self.stop()
        raise RuntimeError(f"slapd did not start:\n{last_error}")

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def directory_ldif() -> str:
    """People and groups of the LDAP tests (passwords: ``<uid>-pw``)."""
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=others,{SUFFIX}\nobjectClass: organizationalUnit\nou: others",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: reader\nuserPassword: {ssha(READER_PASSWORD)}",
    ]
    people = {
        "lara": ("Lara Lopez", "people"),
        "sam": ("Sam Staff", "people"),
        "ivy": ("Ivy Ivanova", "people"),
        "root": ("Root Admin", "people"),
        "twin": ("Twin One", "people"),
    }
    for uid, (name, ou) in people.items():
        entries.append(_person(uid, name, ou))
    entries.append(_person("twin", "Twin Two", "others"))
    groups = {
        "ispyb-admins": ["root"],
        "beamline-staff": ["sam", "ivy"],
        "i03-staff": ["ivy"],
        "unrelated": ["lara"],
    }
    for cn, members in groups.items():
        member_lines = "\n".join(f"member: uid={m},ou=people,{SUFFIX}" for m in members)
        entries.append(
            f"dn: cn={cn},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {cn}\n{member_lines}"
        )
    return "\n\n".join(entries) + "\n"


def _person(uid: str, name: str, ou: str) -> str:
    given, family = name.split(" ", 1)
    return (
        f"dn: uid={uid},ou={ou},{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
        f"givenName: {given}\nsn: {family}\nuserPassword: {ssha(uid + '-pw')}"
    )
