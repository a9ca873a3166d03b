from __future__ import annotations

import contextlib
import logging
import ssl
from typing import Any

from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from ispyb_shared.config import ConfigError
from ispyb_shared.errors import ServiceUnavailable

from ...identity import Identity, LoginFailed
from .base import LoginPlugin

log = logging.getLogger(__name__)


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value) if value not in (None, "") else None


class LdapPlugin(LoginPlugin):
    """Search-then-bind: find the person's entry with the search account (or anonymously),
    then bind as that entry with the password. Groups found with ``group_filter`` map to
    roles (``group_roles``) and staff beamlines (``group_beamlines``)."""

    type = "ldap"
    needs = "password"

    def __init__(self, name, settings):
        super().__init__(name, settings)
        for key in ("user_filter", "group_filter"):
            try:
                settings[key].format(username="x", user_dn="x")
            except (KeyError, IndexError, ValueError):
                raise ConfigError(
                    f"invalid configuration: plugins.{name}.{key}: only {{username}} and "
                    "{user_dn} may appear in braces"
                ) from None
        self.group_roles = {k.lower(): v for k, v in settings["group_roles"].items()}
        self.group_beamlines = {k.lower(): v for k, v in settings["group_beamlines"].items()}
        tls = None
        if settings["url"].startswith("ldaps://") or settings["start_tls"]:
            tls = Tls(ca_certs_file=settings["ca_file"], validate=ssl.CERT_REQUIRED)
        self.server = Server(
            settings["url"],
            connect_timeout=settings["connect_timeout_seconds"],
            get_info=NONE,
            tls=tls,
        )

    def _connect(self, user: str | None, password: str | None) -> tuple[Connection, bool]:
        connection = Connection(
            self.server,
            user=user,
            password=password,
            receive_timeout=self.settings["receive_timeout_seconds"],
            read_only=True,
            auto_referrals=False,
            raise_exceptions=False,
        )
        connection.open()
        if self.settings["start_tls"]:
            connection.start_tls()
        return connection, connection.bind()

    def authenticate(self, *, db_session, username, password, token) -> Identity:
        # An empty password is an "unauthenticated bind", which directories accept: never
        # let it through as a successful login.
        if not password:
            raise LoginFailed("Invalid username or password.")
        search = None
        try:
            search, bound = self._connect(self.settings["bind_dn"], self.settings["bind_password"])
            if not bound:
                log.error(
                    "LDAP plugin %s: the search bind was refused (%s)",
                    self.name,
                    search.result.get("description"),
                )
                raise ServiceUnavailable("The directory refused the search account.")
            entry = self._find_user(search, username)
            if entry is None:
                raise LoginFailed("Invalid username or password.")
            user_dn, attributes = entry
            user_connection, user_bound = self._connect(user_dn, password)
            user_connection.unbind()
            if not user_bound:
                raise LoginFailed("Invalid username or password.")
            login = _first(attributes.get(self.settings["login_attribute"])) or username
            groups = self._groups(search, user_dn, login)
        except LDAPException as exc:
            log.error("LDAP plugin %s: directory error: %s", self.name, exc.__class__.__name__)
            raise ServiceUnavailable("The directory is unreachable.") from None
        finally:
            if search is not None:
                with contextlib.suppress(LDAPException):
                    search.unbind()
        roles = {role for group in groups for role in self.group_roles.get(group, ())}
        beamlines = {bl for group in groups for bl in self.group_beamlines.get(group, ())}
        return Identity(
            login=login,
            roles=tuple(sorted(roles)),
            beamlines=tuple(sorted(beamlines)),
            name=_first(attributes.get(self.settings["display_name_attribute"])),
        )

    def _entries(self, connection: Connection) -> list[dict[str, Any]]:
        return [item for item in connection.response or () if item.get("type") == "searchResEntry"]

    def _find_user(self, connection: Connection, username: str):
        search_filter = self.settings["user_filter"].format(
            username=escape_filter_chars(username), user_dn=""
        )
        attributes = [self.settings["login_attribute"], self.settings["display_name_attribute"]]
        found = connection.search(
            self.settings["user_base"],
            search_filter,
            search_scope=SUBTREE,
            attributes=attributes,
            size_limit=2,
        )
        # Result codes meaning "searched fine": success, size limit exceeded, no such object.
        if not found and connection.result.get("result") not in (0, 4, 32):
            raise ServiceUnavailable("The directory refused the user search.")
        entries = self._entries(connection)
        if len(entries) != 1:
            if len(entries) > 1:
                log.warning("LDAP plugin %s: several entries match one login", self.name)
            return None
        return entries[0]["dn"], entries[0].get("attributes", {})

    def _groups(self, connection: Connection, user_dn: str, login: str) -> set[str]:
        if not self.settings["group_base"]:
            return set()
        search_filter = self.settings["group_filter"].format(
            user_dn=escape_filter_chars(user_dn), username=escape_filter_chars(login)
        )
        name_attribute = self.settings["group_name_attribute"]
        connection.search(
            self.settings["group_base"],
            search_filter,
            search_scope=SUBTREE,
            attributes=[name_attribute],
        )
        names = set()
        for entry in self._entries(connection):
            name = _first(entry.get("attributes", {}).get(name_attribute))
            if name:
                names.add(name.lower())
        return names
