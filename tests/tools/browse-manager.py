#!/usr/bin/python3
# browse-manager.py CHROMIUM PROFILE-DIR BASE-URL TASK-ID: drive the task
# manager in headless Chromium over the DevTools protocol, as a person
# would: open /manager, follow the held task's link, press "Start task",
# watch the page (it reloads itself while the task runs) until the task
# has finished, then press "Delete task". Prints what it saw, a line
# "NAME<TAB>VALUE" each, for the test to judge; exits 2 when the browser
# cannot be driven at all. Every wait is bounded.
#
# Debian's chromium and python3-websocket (websocket-client); no other
# dependency.
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import websocket

TIMEOUT = 120


def say(name, value):
    value = str(value).replace("\t", " ").replace("\n", "\\n")
    print(f"{name}\t{value}", flush=True)


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.n = 0
        self.events = []

    def call(self, method, **params):
        self.n += 1
        my = self.n
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            return None
        return r.get("result", {}).get("value")

    def wait_load(self, seconds=30):
        """Until the next Page.loadEventFired (one already queued counts)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for i, e in enumerate(self.events):
                if e["method"] == "Page.loadEventFired":
                    del self.events[: i + 1]
                    return True
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            finally:
                self.ws.settimeout(30)
            if "method" in msg:
                self.events.append(msg)
        return False

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", url=url)
        return self.wait_load()

    def click(self, selector):
        """Click what selector names and wait for the page it leads to."""
        self.events.clear()
        done = self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                         "if (!e) return false; e.click(); return true; })()")
        return bool(done) and self.wait_load()


def main():
    chromium, profile, base, task = sys.argv[1:5]
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile)
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-dev-shm-usage", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "..", "chromium.err"), "w"),
        start_new_session=True)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file) and time.monotonic() < deadline:
            if proc.poll() is not None:
                say("error", f"chromium exited with status {proc.returncode}")
                return 2
            time.sleep(0.1)
        # the file may be there before its port answers (seen on a loaded
        # machine: connection refused): asked again until the same deadline
        while True:
            with open(port_file) as f:
                port = f.readline().strip()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                    targets = [t for t in json.load(r) if t.get("type") == "page"]
                if targets or time.monotonic() >= deadline:
                    break
            except (OSError, ValueError):
                if time.monotonic() >= deadline or proc.poll() is not None:
                    raise
            time.sleep(0.2)
        say("browser", subprocess.run([chromium, "--version"], capture_output=True, text=True,
                                      timeout=30).stdout.strip())
        p = Page(targets[0]["webSocketDebuggerUrl"])
        p.call("Page.enable")
        p.call("Runtime.enable")

        # the list
        say("list_loaded", p.goto(base + "/manager"))
        say("list_title", p.eval("document.title"))
        say("list_held", p.eval("Array.from(document.querySelectorAll('#held a')).map(a => a.textContent).join(',')"))
        say("list_public_notice", p.eval("document.querySelector('.public') !== null"))
        say("list_scripts", p.eval("document.scripts.length"))

        # open the task from its link
        say("open_clicked", p.click(f"#task-{task} a"))
        say("task_url", p.eval("location.pathname"))
        say("task_status", p.eval("document.querySelector('#status').textContent"))
        say("task_package", p.eval("document.querySelector('#package').textContent"))
        say("task_images", p.eval("document.images.length"))

        # start it, then watch the page reload itself until the task is done
        say("start_clicked", p.click("#start"))
        say("after_start_url", p.eval("location.pathname"))
        seen = []
        deadline = time.monotonic() + TIMEOUT
        status = None
        while time.monotonic() < deadline:
            status = p.eval("(document.querySelector('#status') || {}).textContent")
            if status and status not in seen:
                seen.append(status)
            if status in ("success", "failed"):
                break
            p.wait_load(5)  # the page's own refresh (every 3 s while the task runs)
        say("statuses_seen", " | ".join(seen))
        say("final_status", status)
        say("backtrace", p.eval("(document.querySelector('#backtrace') || {textContent: ''}).textContent"))
        say("results", p.eval("(document.querySelector('#results') || {}).textContent"))

        # delete it
        say("delete_clicked", p.click("#delete"))
        say("after_delete_url", p.eval("location.pathname"))
        say("after_delete_listed", p.eval(f"document.querySelector('#task-{task}') !== null"))
        return 0
    except Exception as e:  # what broke, for the test's diagnostics
        say("error", f"{type(e).__name__}: {e}")
        return 2
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
