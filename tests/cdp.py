"""A small client of Chromium's DevTools protocol (headless Debian chromium): enough to drive a
page as a person does (type into a field, click, read the page, take a screenshot).

Chromium is started with --remote-debugging-port=0 and a new profile folder; it writes the port
it chose to DevToolsActivePort in that folder. The page's websocket takes JSON commands
({id, method, params}) and answers with the same id; events arrive in between and are skipped.
The websocket client is `websockets` of the pipeline's environment (its sync client).
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from websockets.sync.client import connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)


class Browser:
    def __init__(self, chromium: Path, profile: Path, width: int = 1600, height: int = 1400):
        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                str(chromium),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        self.stack = ExitStack()
        self.socket = self.stack.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        )
        self.ids = itertools.count(1)
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, **params) -> dict:
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=120))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout=60)

    def wait_for(self, expression: str, timeout: float = 60) -> object:
        """Polls EXPRESSION until it is truthy; its value, or TimeoutError."""
        deadline = time.monotonic() + timeout
        problem = None
        while True:
            try:
                value = self.evaluate(expression)
            except RuntimeError as exc:  # the page is between documents, or a script error
                value, problem = None, exc
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout}s for {expression} (last error: {problem})")
            time.sleep(0.5)

    def type_into(self, selector: str, text: str) -> None:
        """Types TEXT into the field, as keystrokes do, until the field holds it (a page that
        is still starting may reset a field typed into too early)."""
        field = f"document.querySelector({json.dumps(selector)})"
        for _ in range(10):
            self.evaluate(f"{field}.focus(); {field}.select()")
            self.send("Input.insertText", text=text)
            if self.evaluate(f"{field}.value === {json.dumps(text)}"):
                return
            time.sleep(1)
        raise RuntimeError(f"could not type into {selector}")

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.write_bytes(base64.b64decode(data["data"]))

    def screenshot_full(self, path: Path, width: int = 1600) -> None:
        """The whole page: the viewport made as tall as the page, then a screenshot."""
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width, height=height, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        time.sleep(2)  # the charts lay themselves out again at the new size
        self.screenshot(path)
        self.send("Emulation.clearDeviceMetricsOverride")

    def close(self) -> None:
        stack = getattr(self, "stack", None)
        if stack is not None:
            stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
