#!/usr/bin/env python3
"""`ferry check --html` makes one self-contained page that renders in a real browser (Debian's headless Chromium):
after its script ran, the DOM holds the matrix cells readelf's version needs predict and the selected file's
dependency graph as SVG nodes (the names ldd and readelf -d give); a mouse click on another file's row (over
the DevTools pipe) selects it and redraws its graph; the screenshot shows the pass and fail colours; the console
stays silent, while a deliberately broken copy of the page is caught. A file named with <script> stays text, and
the page fetches nothing. About 12-20 s (four Chromium starts)."""
# timeout: 180
import fcntl
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

FERRY = os.environ["FERRY"]
C = os.path.join(os.environ["FERRY_FIXTURES"], "check")
WHEEL = "pkg-1.0-cp311-cp311-linux_x86_64.whl"
CEILINGS = {"manylinux2010": (2, 12), "manylinux2014": (2, 17)}
EVIL_DIR = "<script>document.title='pwned'<"  # with the file name below: <script>document.title='pwned'</script>.so


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def fail(why):
    print("FAIL: " + why, file=sys.stderr)
    sys.exit(1)


CHROMIUM = shutil.which("chromium")
if not CHROMIUM:
    skip("chromium is not installed (Debian package chromium, in scripts/install-deps.sh --test)")
for tool in ("readelf", "ldd"):
    if not shutil.which(tool):
        skip(tool + " is not installed")
# The screenshot is read with Debian's python3-pil, in this interpreter or (a pyenv or venv python3 first on
# PATH does not see Debian's packages) in /usr/bin/python3.
PIXEL_STATS = '''
import json, sys
from PIL import Image, ImageStat
img = Image.open(sys.argv[1]).convert("RGB")
count = {rgb: n for n, rgb in img.getcolors(img.width * img.height)}
print(json.dumps({"spread": sum(ImageStat.Stat(img).stddev),
                  "colours": [[list(k), v] for k, v in count.items() if v >= 100]}))
'''
PIL_PYTHON = None
for py in (sys.executable, "/usr/bin/python3"):
    if os.access(py, os.X_OK) and subprocess.run([py, "-c", "import PIL.ImageStat"], capture_output=True).returncode == 0:
        PIL_PYTHON = py
        break
if not PIL_PYTHON:
    skip("python3-pil is not installed (scripts/install-deps.sh --test)")
if not os.path.exists(os.path.join(C, "needs_234")):
    skip("check fixtures were not built")


def chromium(url, profile, *args):
    """Loads `url` in a fresh headless Chromium; returns (stdout, console lines). The flags keep it off the
    network (no component updates, sync, QUIC or first-run fetches) and let it run as root without a GPU."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
           "--window-size=1280,1000", *args, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    if p.returncode != 0:
        fail("chromium exited %d on %s: %s" % (p.returncode, url, p.stderr[-2000:]))
    # Every console message (errors, CSP refusals, uncaught exceptions) is a CONSOLE line; the page logs nothing.
    console = [l for l in p.stderr.splitlines() if ":CONSOLE" in l or "Uncaught" in l]
    return p.stdout, console


class Devtools:
    """Chromium driven over --remote-debugging-pipe (DevTools protocol: NUL-terminated JSON on fds 3 and 4), for
    what --dump-dom cannot do: click. Console messages and exceptions are collected as events."""

    def __init__(self, profile):
        # Pipe ends moved above fd 10 first, so placing them at 3 and 4 in the child cannot overwrite each other.
        high = lambda fd: fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        cmd_r, cmd_w = map(high, os.pipe())      # commands: we write, chromium reads fd 3
        reply_r, reply_w = map(high, os.pipe())  # replies and events: chromium writes fd 4, we read
        self._cmd, self._reply = cmd_w, reply_r
        self._buf, self._id, self.events = b"", 0, []

        def child_fds():
            os.dup2(cmd_r, 3)
            os.dup2(reply_w, 4)

        self._p = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=1280,1000", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(reply_w)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Page", "Log"):
            self.call(domain + ".enable", session=True)

    def _next(self):
        while b"\0" not in self._buf:
            chunk = os.read(self._reply, 1 << 20)
            if not chunk:
                fail("chromium closed its DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self._session
        os.write(self._cmd, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._next()
            if m.get("id") == self._id:
                if "error" in m:
                    fail("DevTools %s: %s" % (method, m["error"]))
                return m["result"]
            self.events.append(m)

    def wait_for(self, event):
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._next())

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=True)
        return r["result"].get("value")

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                      session=True)

    def problems(self):
        bad = ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded")
        return [e for e in self.events if e.get("method") in bad]

    def close(self):
        self.call("Browser.close")
        self._p.wait(timeout=30)


class Dom(html.parser.HTMLParser):
    """The parts of a dumped DOM the test reads: file rows with their cells, SVG graph nodes, the title."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.nodes, self.title, self.scripts = [], [], "", 0
        self.graph = None
        self._stack, self._cell = [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._stack.append(tag)
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and "data-file" in a:
            self.rows.append({"path": a["data-path"], "file": a["data-file"], "cls": a.get("class", ""),
                              "name": "", "cells": []})
        elif tag == "td" and "data-verdict" in a and self.rows:
            self._cell = {"verdict": a["data-verdict"], "text": "", "html": ""}
            self.rows[-1]["cells"].append(self._cell)
        elif tag == "svg" and "graph" in a.get("class", ""):
            self.graph = a
        elif tag == "g" and a.get("class", "").startswith("node "):
            self.nodes.append({"label": a["data-label"], "cls": a["class"].split()})
        if self._cell is not None and tag == "div" and "fix" in a.get("class", ""):
            self._cell["html"] += "<fix>"

    def handle_endtag(self, tag):
        while self._stack and self._stack.pop() != tag:
            pass
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._stack and self._stack[-1] == "title" and "svg" not in self._stack:
            self.title += data
        if self._cell is not None:
            self._cell["text"] += data
        elif self.rows and self._stack and self._stack[-1] == "th" and "tr" in self._stack:
            self.rows[-1]["name"] += data


def glibc_needs(path):
    """readelf's view: {symbol: (major, minor)} of the GLIBC_x.y versions a file's dynamic symbols require."""
    out = subprocess.run(["readelf", "-W", "--dyn-syms", path], capture_output=True, text=True, check=True).stdout
    needs = {}
    for m in re.finditer(r"UND (\S+)@GLIBC_(\d+)\.(\d+)", out):
        needs[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return needs


def dt_needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


with tempfile.TemporaryDirectory() as t:
    os.chdir(t)
    for f in ("pinned_old", "needs_234", WHEEL):
        shutil.copy(os.path.join(C, f), f)
    os.makedirs(os.path.join("evil", EVIL_DIR))
    evil = os.path.join("evil", EVIL_DIR, "script>.so")
    shutil.copy(os.path.join(C, "libplain.so"), evil)
    with zipfile.ZipFile(WHEEL) as z:
        z.extractall("unpacked")
    elves = {"pinned_old": "pinned_old", "needs_234": "needs_234", evil: evil,
             WHEEL + "!pkg/_ext.so": "unpacked/pkg/_ext.so",
             WHEEL + "!pkg.libs/libshipped.so.1": "unpacked/pkg.libs/libshipped.so.1"}

    p = subprocess.run([FERRY, "check", "--html", "-o", "report.html", "-t", "manylinux2010", "-t", "manylinux2014",
                        "pinned_old", "needs_234", WHEEL, "evil"], capture_output=True, text=True)
    if p.returncode != 1:  # needs_234 fails both targets
        fail("ferry check --html exited %d, expected 1: %s" % (p.returncode, p.stderr))
    page = open("report.html", encoding="utf-8").read()
    if [f for f in os.listdir(".") if f.startswith("report.html") and f != "report.html"]:
        fail("a temporary file was left next to report.html")

    # Self-contained and inert: nothing to fetch, and the names from the inputs are text, not markup.
    if re.search(r"""\b(src|href)\s*=|@import|url\((?!#)|<link\b""", page):
        fail("the page refers to something outside itself")
    if re.findall(r"https?://[^'\"\s]*", page) != ["http://www.w3.org/2000/svg"]:  # the SVG namespace only
        fail("the page names URLs: %s" % re.findall(r"https?://[^'\"\s]*", page))
    if "<script>document.title" in page or page.count("<script") != 2:
        fail("a file name reached the page as markup")
    if "&lt;script&gt;document.title=&apos;pwned&apos;&lt;/script&gt;.so" not in page:
        fail("the <script> file name is not shown escaped")

    url = "file://" + os.path.join(t, "report.html")
    dom_text, console = chromium(url, os.path.join(t, "profile1"), "--dump-dom")
    if console:
        fail("console messages on the report:\n" + "\n".join(console))
    dom = Dom(dom_text)
    if dom.title != "ferry check":
        fail("the title is %r (a name ran as script?)" % dom.title)
    if dom.scripts != 2:
        fail("%d script elements in the DOM, expected the page's 2" % dom.scripts)

    # (a) The matrix: one row per ELF, one cell per target; the verdict is what readelf's GLIBC needs predict
    # (these fixtures need nothing else), and a failing cell names a symbol at the highest version, with a fix.
    rows = {r["path"]: r for r in dom.rows}
    if set(rows) != set(elves):
        fail("rows %s, expected %s" % (sorted(rows), sorted(elves)))
    if not any("<script>document.title='pwned'</script>.so" in r["name"] for r in dom.rows):
        fail("the <script> file's row does not show its name as text")
    for path, local in elves.items():
        needs = glibc_needs(local)
        top = max(needs.values(), default=(2, 0))
        cells = rows[path]["cells"]
        if len(cells) != 2:
            fail("%s: %d cells, expected 2" % (path, len(cells)))
        for cell, (target, ceiling) in zip(cells, CEILINGS.items()):
            want = "fail" if top > ceiling else "pass"
            if cell["verdict"] != want:
                fail("%s on %s: %s, readelf's GLIBC needs (highest %s) say %s" % (path, target, cell["verdict"], top, want))
            if want == "fail":
                culprits = ["%s@GLIBC_%d.%d" % (s, *v) for s, v in needs.items() if v == top]
                if not any(c in cell["text"] for c in culprits):
                    fail("%s on %s: the cell names none of %s: %r" % (path, target, culprits, cell["text"]))
                if "<fix>" not in cell["html"]:
                    fail("%s on %s: no fix in the cell" % (path, target))
    if "bad" not in rows["needs_234"]["cls"] or "ok" not in rows["pinned_old"]["cls"]:
        fail("row classes do not follow the verdicts")

    # (a) The graph, drawn by the script (the markup has no SVG): the page opens on the first failing file,
    # needs_234; its nodes are the file and the libraries ldd loads (by their DT_NEEDED names).
    if "<svg" in page:
        fail("the page's markup already holds SVG: the DOM check would not prove the script ran")
    ldd = subprocess.run(["ldd", "needs_234"], capture_output=True, text=True, check=True).stdout
    ldd_names = {os.path.basename(l.split()[0]) for l in ldd.splitlines() if l.strip() and "linux-vdso" not in l}
    labels = [n["label"] for n in dom.nodes]
    if dom.graph is None or labels[:1] != ["needs_234"] or set(labels[1:]) != ldd_names:
        fail("graph of needs_234: %s, ldd loads %s" % (labels, sorted(ldd_names)))
    if int(dom.graph["data-nodes"]) != len(labels):
        fail("graph node count disagrees with its nodes")
    selected = [r["path"] for r in dom.rows if "selected" in r["cls"]]
    if selected != ["needs_234"]:
        fail("selected rows %s, expected the first failing file" % selected)
    if not any("kind-offending" in n["cls"] and n["label"] == "libc.so.6" for n in dom.nodes):
        fail("libc.so.6, named by needs_234's errors, is not marked offending")

    # A mouse click on the wheel's extension selects it (and names it in the URL, #file-N): its graph is the
    # member and its DT_NEEDED names (readelf -d), the shipped library marked as such.
    ext = rows[WHEEL + "!pkg/_ext.so"]["file"]
    tools = Devtools(os.path.join(t, "profile2"))
    tools.call("Page.navigate", {"url": url}, session=True)
    tools.wait_for("Page.loadEventFired")
    x, y = tools.js("(function () { var r = document.querySelector('tr[data-file=\"%s\"] th').getBoundingClientRect();"
                    " return [r.x + r.width / 2, r.y + r.height / 2]; })()" % ext)
    tools.click(x, y)
    clicked = tools.js("[location.hash, document.getElementById('sel-name').textContent,"
                       " Array.prototype.map.call(document.querySelectorAll('svg.graph g.node'),"
                       " function (g) { return [g.getAttribute('data-label'), g.getAttribute('class')]; }),"
                       " Array.prototype.map.call(document.querySelectorAll('tr.selected'),"
                       " function (r) { return r.getAttribute('data-path'); })]")
    problems = tools.problems()
    tools.close()
    if problems:
        fail("console messages or exceptions around the click: %s" % problems)
    hash_, name, wnodes, wselected = clicked
    if hash_ != "#file-" + ext or name != WHEEL + "!pkg/_ext.so" or wselected != [name]:
        fail("the click did not select the wheel's extension: hash %s, name %s, selected rows %s" %
             (hash_, name, wselected))
    wlabels = [l for l, _ in wnodes]
    needed = dt_needed("unpacked/pkg/_ext.so") + dt_needed("unpacked/pkg.libs/libshipped.so.1")
    if wlabels[:1] != ["_ext.so"] or set(wlabels[1:]) != set(needed):
        fail("graph of the wheel's _ext.so: %s, readelf -d gives %s" % (wlabels, needed))
    if not any(l == "libshipped.so.1" and "kind-shipped" in c.split() for l, c in wnodes):
        fail("libshipped.so.1 is not marked as shipped in the wheel")

    # (b) The screenshot is not blank: its pixels vary, and the pass and fail cell colours cover real areas.
    _, console = chromium(url, os.path.join(t, "profile3"), "--screenshot=" + os.path.join(t, "shot.png"))
    if console:
        fail("console messages while taking the screenshot:\n" + "\n".join(console))
    stats = json.loads(subprocess.run([PIL_PYTHON, "-c", PIXEL_STATS, "shot.png"], capture_output=True, text=True,
                                      check=True).stdout)
    spread = stats["spread"]
    count = {tuple(rgb): n for rgb, n in stats["colours"]}
    pass_px, fail_px = count.get((0xda, 0xfb, 0xe1), 0), count.get((0xff, 0xd7, 0xd5), 0)
    if spread < 10 or pass_px < 2000 or fail_px < 2000:
        fail("screenshot looks blank: stddev sum %.1f, %d pass-coloured and %d fail-coloured pixels" %
             (spread, pass_px, fail_px))

    # (c) The console check can fail: the same page with its embedded data broken throws in the script.
    with open("broken.html", "w", encoding="utf-8") as f:
        f.write(page.replace('id="ferry-data">{', 'id="ferry-data">{,', 1))
    dom_text, console = chromium("file://" + os.path.join(t, "broken.html"), os.path.join(t, "profile4"), "--dump-dom")
    if not any("Uncaught" in l for l in console):
        fail("a page whose script throws gave no Uncaught console line: %s" % console)
    if Dom(dom_text).nodes:
        fail("the broken page still drew a graph")
    print("ok: %d rows, graph of %d nodes, screenshot stddev %.1f (%d pass / %d fail pixels)" %
          (len(dom.rows), len(labels), spread, pass_px, fail_px))
