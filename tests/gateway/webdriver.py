"""A minimal W3C WebDriver client for Debian's chromium + chromedriver (standard library only).

Headless, and kept on loopback: no first-run, sync, component updates or background
networking, and every host name but localhost resolves to nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.ports import free_port

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element identifier
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--no-pings",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--window-size=1280,1024",
]


class WebDriverError(AssertionError):
    pass


def find_browser() -> tuple[str, str]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(chromium).exists() or not Path(chromedriver).exists():
        raise WebDriverError(
            "chromium/chromedriver are not installed: bash tools/install-system-deps.sh browser"
        )
    return chromium, chromedriver


class Browser:
    def __init__(self, profile_dir: Path, *, log_commands: bool = True):
        """``log_commands=False``: chromedriver's log leaves out the commands (and so the
        text typed, a password), warnings only."""
        chromium, chromedriver = find_browser()
        self.port = free_port()
        self.log = profile_dir / "chromedriver.log"
        level = [] if log_commands else ["--log-level=WARNING"]
        self.driver = subprocess.Popen(
            [chromedriver, f"--port={self.port}", f"--log-path={self.log}", *level],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_for_driver()
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [*CHROMIUM_ARGS, f"--user-data-dir={profile_dir / 'profile'}"],
            },
        }
        try:
            value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        except Exception:
            self.driver.kill()
            raise
        self.session = value["sessionId"]

    def _wait_for_driver(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._call("GET", "/status")
                return
            except (OSError, WebDriverError):
                time.sleep(0.1)
        raise WebDriverError("chromedriver did not start")

    def _call(self, method: str, path: str, payload: dict | None = None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as exc:
            raise WebDriverError(f"{method} {path}: {exc.read().decode()[:2000]}") from None

    def _session(self, method: str, path: str, payload: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", payload)

    def open(self, url: str) -> None:
        self._session("POST", "/url", {"url": url})

    def find_all(self, css: str) -> list[str]:
        found = self._session("POST", "/elements", {"using": "css selector", "value": css})
        return [element[ELEMENT] for element in found]

    def find_all_in(self, parent: str, css: str) -> list[str]:
        """The elements under ``parent`` matching ``css``."""
        found = self._session(
            "POST", f"/element/{parent}/elements", {"using": "css selector", "value": css}
        )
        return [element[ELEMENT] for element in found]

    def text(self, element: str) -> str:
        return self._session("GET", f"/element/{element}/text")

    def attribute(self, element: str, name: str) -> str | None:
        return self._session("GET", f"/element/{element}/attribute/{name}")

    def property(self, element: str, name: str):
        """A DOM property (``href`` is the absolute URL, unlike the attribute)."""
        return self._session("GET", f"/element/{element}/property/{name}")

    def click(self, element: str) -> None:
        self._session("POST", f"/element/{element}/click", {})

    def type(self, element: str, text: str) -> None:
        """Keystrokes into an input (real input events: React forms see them)."""
        self._session("POST", f"/element/{element}/value", {"text": text})

    def script(self, source: str, *args):
        return self._session("POST", "/execute/sync", {"script": source, "args": list(args)})

    def current_url(self) -> str:
        return self._session("GET", "/url")

    def wait_for(self, css: str, timeout: float = 30) -> list[str]:
        """The elements matching ``css`` once there is at least one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find_all(css)
            if found:
                return found
            time.sleep(0.2)
        raise WebDriverError(f"nothing matched {css!r} within {timeout:.0f} s")

    def close(self) -> None:
        try:
            self._call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()
            try:
                self.driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
