#!/usr/bin/env python3
"""The report as a reader sees it: a small real sweep (`symsweep run` into a real SQLite file),
`symsweep fit`, `symsweep report`, then the page rendered in headless Chromium. Asserts that the
page logs no console error and throws no exception, that every <img> loaded (naturalWidth > 0),
that every linked file exists, and that the figures are the ones the report promises (the
accuracy against data fraction, the phase diagram, the per-cell potentials and a run's
dynamics, each with its data and script). `report --run` with an unknown id exits 2 and writes
nothing. Keeps a full-page screenshot (its path is printed). A page with a broken image and a
JS error is checked the same way and must fail (the checks can fail).

Chromium is driven over its remote debugging protocol (python3-websocket), in a session of its
own with a temporary profile and no network; only that session is killed at the end.

usage: test_report_browser.py SYMSWEEP_BINARY [--mpiexec mpirun] [--preflags --oversubscribe]
       [--out DIR]
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, configure, environment, launch, rows  # noqa: E402

import websocket  # noqa: E402  (Debian: python3-websocket)

# Small, but some runs generalise (the larger fractions of Z_11 and D_5 within 3000 steps), and
# two families share the accuracy figure.
SPEC = """
[sweep]
name = "browser"
seeds = 2

[grid]
group = ["cyclic:7", "cyclic:11", "dihedral:5"]
data_fraction = [0.3, 0.6, 0.9]

[train]
width = 128
lr = 3e-3
weight_decay = 0.1
init_scale = 0.3
steps = 3000
log_every = 150
"""
RUNS = 3 * 3 * 2

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if
                 os.access(p, os.X_OK)), None)


class Browser:
    """Headless Chromium in its own session, driven over the DevTools websocket."""

    def __init__(self, workdir):
        self.profile = tempfile.mkdtemp(prefix="profile-", dir=workdir)
        argv = [CHROMIUM, "--headless=new", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--mute-audio", "--allow-file-access-from-files",
                # No network: every name resolves to nothing and any proxy use fails.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
                "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
                "--window-size=1280,900", "about:blank"]
        if os.geteuid() == 0:
            argv.insert(1, "--no-sandbox")
        self.log = open(os.path.join(workdir, "chromium.log"), "w+")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)
        self.ws, self.next_id, self.events = None, 0, []
        port = self._port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def _port(self):
        """The debugging port from DevTools' line on stderr (--remote-debugging-port=0)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.log.seek(0)
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", self.log.read())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.log.seek(0)
        raise RuntimeError(f"chromium did not start: {self.log.read()[-2000:]}")

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if e["method"] == method:
                    self.events.remove(e)
                    return e
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if "method" in msg:
                self.events.append(msg)
        raise RuntimeError(f"no {method} within {timeout} s")

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate: {r['exceptionDetails']}")
        return r["result"].get("value")

    def errors(self):
        """Console errors, uncaught exceptions and failed loads reported so far."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append("exception: " + d.get("exception", {}).get("description", d["text"]))
            elif e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append("console." + p["type"] + ": " +
                           " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append("log: " + p["entry"]["text"] + " " + p["entry"].get("url", ""))
        return out

    def close(self):
        if self.ws is not None:
            self.ws.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the session started above, no other
        self.proc.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def inspect(browser, page, screenshot=None):
    """Loads `page` and returns its problems: console errors, images that did not load, links
    to files that do not exist; and the facts about its images and figures."""
    browser.events.clear()
    browser.call("Page.navigate", url="file://" + page)
    browser.wait_event("Page.loadEventFired")
    # Figures inside closed <details> load too; open them so the screenshot shows them, and
    # wait until every image has settled.
    facts = browser.evaluate("""(async () => {
      document.querySelectorAll('details').forEach(d => d.open = true);
      const imgs = Array.from(document.images);
      await Promise.all(imgs.map(i => i.complete ? null :
          new Promise(r => { i.onload = r; i.onerror = r; })));
      return {
        images: imgs.map(i => ({src: i.getAttribute('src'), w: i.naturalWidth,
                                complete: i.complete})),
        links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
        figures: Array.from(document.querySelectorAll('figure')).map(f => ({
          id: f.id, caption: f.querySelector('figcaption').innerText})),
        height: document.documentElement.scrollHeight,
      };
    })()""")
    time.sleep(0.3)  # late console messages
    problems = browser.errors()
    for img in facts["images"]:
        if not img["complete"] or img["w"] <= 0:
            problems.append(f"image not loaded: {img['src']}")
    base = os.path.dirname(page)
    for href in facts["links"]:
        if href.startswith("#") or re.match(r"^[a-z]+:", href):
            continue
        path = os.path.join(base, urllib.parse.unquote(href.split("#")[0]))
        if not os.path.isfile(path):
            problems.append(f"link to a missing file: {href}")
    if screenshot:
        height = min(facts["height"], 16000)
        browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=height,
                     deviceScaleFactor=1, mobile=False)
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        browser.call("Emulation.clearDeviceMetricsOverride")
    return problems, facts


def html_text(path):
    with open(path) as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--preflags", default="--oversubscribe")
    ap.add_argument("--out", default=os.getcwd(), help="where the screenshot is kept")
    a = ap.parse_args()
    configure(a.mpiexec, a.preflags)
    check, env = Checks(), environment()
    if CHROMIUM is None:
        print("FAIL: chromium is not installed (deploy/install-deps.sh installs it)")
        raise SystemExit(1)
    t_start = time.monotonic()

    with tempfile.TemporaryDirectory() as tmp:
        spec, db = os.path.join(tmp, "browser.toml"), os.path.join(tmp, "browser.db")
        with open(spec, "w") as f:
            f.write(SPEC)
        p = launch(a.binary, spec, db, 2, env)
        _, err = p.communicate(timeout=300)
        check(p.returncode == 0, f"run: exit {p.returncode}: {err.decode()[-600:]}")
        done = rows(db, "SELECT count(*) FROM runs WHERE status = 'done'")[0][0]
        check(done == RUNS, f"run: {done} of {RUNS} runs done")
        steps = rows(db, "SELECT count(*) FROM metrics")[0][0]
        check(steps >= RUNS * 20, f"run: only {steps} logged steps")

        def symsweep(*args):
            r = subprocess.run([a.binary, *args], capture_output=True, text=True, env=env,
                               timeout=300)
            return r.returncode, r.stdout + r.stderr

        rc, out = symsweep("fit", "--db", db, "--eps", "0.5,0.1")
        check(rc == 0, f"fit: exit {rc}: {out[-600:]}")

        # An unknown run: exit 2 (an input error), naming the id, and nothing written.
        missing = os.path.join(tmp, "no-report")
        rc, out = symsweep("report", "--db", db, "--out", missing, "--run", "987654")
        check(rc == 2, f"report --run 987654: exit {rc}, expected 2")
        check("987654" in out, f"report --run 987654: the message does not name it: {out}")
        check(not os.path.exists(missing), "report --run 987654 wrote its directory")

        report = os.path.join(tmp, "report")
        rc, out = symsweep("report", "--db", db, "--out", report)
        check(rc == 0, f"report: exit {rc}: {out[-600:]}")
        index = os.path.join(report, "index.html")
        check(os.path.isfile(index), "report: no index.html")

        os.makedirs(a.out, exist_ok=True)
        screenshot = os.path.join(os.path.abspath(a.out), "report_browser.png")
        browser = Browser(tmp)
        try:
            problems, facts = inspect(browser, index, screenshot)
            for problem in problems:
                check(False, problem)
            figures = {f["id"]: f["caption"] for f in facts["figures"]}
            ids = sorted(r[0] for r in rows(db, "SELECT id FROM runs WHERE status = 'done'"))
            check("browser-acc" in figures, f"no accuracy-against-fraction figure: {figures.keys()}")
            check(any(k.endswith("-phase") for k in figures), "no phase diagram")
            cells = [k for k in figures if re.match(r"browser-s\d-cell\d+-rho$", k)]
            check(len(cells) == 3, f"{len(cells)} per-cell potential figures, expected 3")
            runs = [k for k in figures if re.match(r"run-\d+$", k)]
            check(len(runs) == 1, f"{len(runs)} run figures, expected 1")
            # Both families in one accuracy figure (cyclic and dihedral strata share its axes).
            with open(os.path.join(report, "browser-acc.dat")) as f:
                lines = re.findall(r"^# \|H\| = 1, group (\S+)$", f.read(), re.M)
            check(sorted(lines) == ["cyclic:11", "cyclic:7", "dihedral:5"],
                  f"accuracy lines: {lines}")
            # The default dynamics run generalises: above its cell's f*(0.1), or (no f*) its
            # final test accuracy is at least 0.9.
            if runs:
                rid = int(runs[0].split("-")[1])
                group, augment, fraction, acc = rows(
                    db, f"SELECT group_spec, augment, data_fraction, test_acc FROM runs "
                        f"WHERE id = {rid}")[0]
                fstar = rows(db, "SELECT estimate FROM critical_fractions WHERE group_spec = "
                                 f"'{group}' AND augment = '{augment}' AND abs(eps - 0.1) < 1e-9")
                generalises = (fraction > fstar[0][0]) if fstar and fstar[0][0] is not None \
                    else acc >= 0.9
                check(generalises, f"run {rid} ({group}, f = {fraction}, test acc {acc}, f* "
                                   f"{fstar}) does not generalise")
                check("a run that generalises" in html_text(index),
                      "the dynamics caption does not say the run generalises")
            check(f"runs {ids[0]}–{ids[-1]}" in figures.get("browser-acc", ""),
                  "the accuracy caption does not name the runs")
            check(len(facts["images"]) == len(figures) and len(figures) >= 5,
                  f"{len(facts['images'])} images for {len(figures)} figures")
            for f in figures:  # each figure's script and data beside it
                check(os.path.isfile(os.path.join(report, f + ".gp")), f"{f}: no script")
            check(os.path.getsize(screenshot) > 10000, "the screenshot is empty")

            # The checks can fail: a page with a broken image and a JS error.
            bad = os.path.join(report, "broken.html")
            with open(index) as f:
                html = f.read()
            with open(bad, "w") as f:
                f.write(html.replace("</body>", '<img src="no-such-figure.png" alt="x">\n'
                                     '<a href="no-such-data.dat">data</a>\n'
                                     '<script>undefined_function();</script>\n'
                                     '<script>console.error("deliberate");</script>\n</body>'))
            problems, _ = inspect(browser, bad)
            joined = "\n".join(problems)
            check("image not loaded: no-such-figure.png" in joined,
                  f"a broken image was not caught: {joined}")
            check("link to a missing file: no-such-data.dat" in joined,
                  f"a missing link target was not caught: {joined}")
            check("undefined_function" in joined, f"a JS error was not caught: {joined}")
            check("deliberate" in joined, f"a console error was not caught: {joined}")
        finally:
            browser.close()
        print(f"screenshot: {screenshot}")
    elapsed = time.monotonic() - t_start
    check(elapsed < 120, f"took {elapsed:.0f} s")
    print(f"{elapsed:.1f} s")
    check.finish()


if __name__ == "__main__":
    main()
