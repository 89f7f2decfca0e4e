"""Headless Chromium driven over the Chrome DevTools Protocol on a pipe (`--remote-debugging-pipe`).

No port, no websocket library, nothing downloaded at run time: Chromium reads JSON commands from fd 3 and writes
replies and events to fd 4, each message ending in a NUL byte. Every event is kept, so a test can assert on
console messages, network requests and dialogs after the page has loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
         "--disable-features=Translate,MediaRouter,OptimizationHints", "--remote-debugging-pipe"]

# Run in the child: move the two pipe ends to fds 3 and 4 (via high copies, so neither clobbers the other), then
# become Chromium. A shell cannot do this portably: dash only redirects fds 0-9.
TRAMPOLINE = """
import fcntl, os, sys
ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]
for fd in sys.argv[1:3]:
    os.close(int(fd))
for target, fd in zip((3, 4), ends):
    os.dup2(fd, target)
    os.close(fd)
os.execvp(sys.argv[3], sys.argv[3:])
"""


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) binary, or None."""
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


class Chromium:
    """One headless browser; `send` a command (optionally to a page session) and read `events`."""

    def __init__(self, binary: str, timeout: float = 30.0):
        self.timeout, self.events, self._replies, self._next_id = timeout, [], {}, 0
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        commands_r, self._commands = os.pipe()  # we write commands, Chromium reads fd 3
        self._replies_r, replies_w = os.pipe()  # Chromium writes fd 4, we read
        command = [binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"]
        self.process = subprocess.Popen([sys.executable, "-c", TRAMPOLINE, str(commands_r), str(replies_w), *command],
                                        pass_fds=(commands_r, replies_w), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        os.close(commands_r)
        os.close(replies_w)
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._replies_r, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                self._lock.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Run one command and return its result; raise on a protocol error."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        with self._lock:
            if not self._lock.wait_for(lambda: self._next_id in self._replies, self.timeout):
                raise TimeoutError(f"no reply to {method} in {self.timeout} s")
            reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_for(self, method: str, session: str | None = None) -> dict:
        """The first event named `method` (of `session`), waiting for it if it has not come yet."""
        def found():
            return next((e for e in self.events if e["method"] == method
                         and (session is None or e.get("sessionId") == session)), None)
        with self._lock:
            if not self._lock.wait_for(found, self.timeout):
                raise TimeoutError(f"no {method} event in {self.timeout} s")
            return found()

    def settle(self, seconds: float = 0.3) -> None:
        """Give late events (a deferred request, a console message) a moment to arrive."""
        time.sleep(seconds)

    def open(self, url: str, width: int = 1280, height: int = 900) -> str:
        """A new page with the protocol domains enabled, navigated to `url` and loaded; returns its session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session)
        self.send("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired", session)
        self.settle()
        return session

    def evaluate(self, expression: str, session: str):
        """The value of a JavaScript expression in the page (DevTools runs it; the page's CSP does not apply)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, session: str, width: int = 1280) -> bytes:
        """A PNG of the whole page, `width` CSS pixels wide."""
        import base64

        self.send("Page.bringToFront", session=session)  # a background tab never paints, so never answers
        height = self.send("Page.getLayoutMetrics", session=session)["cssContentSize"]["height"]
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
            "x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session)
        return base64.b64decode(shot["data"])

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError, TimeoutError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        self._reader.join(5)
        os.close(self._replies_r)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
