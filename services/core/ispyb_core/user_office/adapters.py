"""Where the user-office document comes from. Chosen by ``user_office.adapter`` in core's
configuration: ``file``, ``http`` or the dotted name of a site's own class."""

from __future__ import annotations

import abc
import importlib
import json
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class UserOfficeAdapter(abc.ABC):
    """A site's connection to its user office.

    A site's own adapter subclasses this, takes the ``user_office`` configuration section
    in its constructor and implements :meth:`fetch`; name it in the configuration as
    ``adapter: my_site.user_office.MyAdapter``.
    """

    def __init__(self, config: Mapping[str, Any]):
        self.config = dict(config)

    @abc.abstractmethod
    def fetch(self) -> dict[str, Any]:
        """The whole current document in the sync format (docs/user-office-sync.md)."""

    @property
    def source(self) -> str:
        """How the sync record names where the document came from."""
        return type(self).__name__


class FileAdapter(UserOfficeAdapter):
    """A JSON document on disk (``path``), written there by the user office's export."""

    def fetch(self) -> dict[str, Any]:
        return json.loads(Path(self.config["path"]).read_text(encoding="utf-8"))

    @property
    def source(self) -> str:
        return f"file:{self.config['path']}"


class HttpAdapter(UserOfficeAdapter):
    """GET ``url`` (the user office's export endpoint) and read the JSON answer."""

    def fetch(self) -> dict[str, Any]:
        request = urllib.request.Request(self.config["url"], headers={"Accept": "application/json"})
        timeout = self.config.get("timeout_seconds", 30)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))

    @property
    def source(self) -> str:
        return f"http:{self.config['url']}"


BUILT_IN = {"file": FileAdapter, "http": HttpAdapter}


def make_adapter(config: Mapping[str, Any]) -> UserOfficeAdapter:
    """The adapter the ``user_office`` configuration section names."""
    name = config.get("adapter", "file")
    if name in BUILT_IN:
        return BUILT_IN[name](config)
    module_name, _, class_name = name.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, UserOfficeAdapter)):
        raise TypeError(f"{name} is not a UserOfficeAdapter")
    return cls(config)
