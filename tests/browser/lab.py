"""A throwaway JupyterLab server and the browser actions of the real-browser test.

The pieces, used by ``tests/test_browser.py`` and ``tools/browser_latency.py``:

- :class:`LabServer` starts JupyterLab from this Python environment on a free localhost port
  with a random token, its own settings/workspace/config folders, news and update checks off,
  windowing off (every cell stays in the DOM), and stops it (and its kernels) afterwards.
- :func:`launch_chromium` starts Debian's Chromium headless through Playwright (never a
  downloaded browser) or raises :class:`BrowserUnavailable` saying how to install it.
- :func:`check_notebook` opens one notebook, runs all cells, checks that every output and
  widget rendered, audits the explorers with axe-core (:func:`audit_explorers`: WCAG 2 A/AA inside
  ``.rnnlib-explorer``, JupyterLab's own chrome out of scope), then drives every explorer with the
  keyboard/mouse like a person and measures the latency from the input event to the new figure painted.

Latency (in the page): a capture-phase ``keydown``/``pointerdown`` listener takes the input
event's ``timeStamp`` as t0; a MutationObserver on the ``src`` of every ``img.rnnlib-figure``
of the explorer waits for the new image to decode, then for the next animation frame plus one
task (the frame has been painted), and takes that time. The latency is the last figure's paint
time minus t0, so an explorer with two figures is timed until both are new.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .axe import run_axe

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
CHROMIUM = os.environ.get("RNNLIB_CHROMIUM", "/usr/bin/chromium")  # Debian's package; never a download
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = (
    "The browser test drives Debian's Chromium at /usr/bin/chromium through Playwright (it never "
    "downloads a browser). Install it with `sudo apt-get install chromium` (or run "
    "`bash tools/ensure_chromium.sh` as root), and install Playwright for Python with "
    "`.venv/bin/pip install -e '.[dev]'`."
)
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"

# From the input event to the new figure painted. The goal is a benchmark figure, reported in the
# latency table and never a pass/fail gate (a loaded CI machine must not fail work on timing); only
# a change slower than BROKEN_MS means something is broken, and the browser test fails on that.
GOAL_MEDIAN_MS = 100.0
BROKEN_MS = 2000.0

# Settings written to the server's fresh user-settings folder.
LAB_SETTINGS = {
    # no news toast, no "check for updates", no notifications covering the page
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    # every cell in the DOM (no virtualised notebook), so every explorer can be found
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # never write the (copied) notebooks
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # no network calls to PyPI from the extension manager
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}


class BrowserUnavailable(RuntimeError):
    """Chromium or Playwright is missing or does not start."""


# ----------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_lab_settings(settings_dir):
    """Write the harness's JupyterLab settings (:data:`LAB_SETTINGS`) into a user-settings folder."""
    for plugin, values in LAB_SETTINGS.items():
        path = Path(settings_dir) / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def copy_notebooks(src_dir, dst_dir):
    """Copy a notebook folder (without checkpoints/caches) so the browser never touches the originals."""
    shutil.copytree(src_dir, dst_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return Path(dst_dir)


def _children(pid):
    """PIDs whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'
        fields = text[text.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LabServer:
    """JupyterLab serving ``root_dir`` on a free localhost port with a random token.

    Use as a context manager; :meth:`stop` runs even when the body raises. The server runs in
    its own process group, with its own config/data/runtime/settings/workspace folders under
    ``work_dir`` (a fresh temporary folder by default).
    """

    def __init__(self, root_dir, work_dir=None, startup_timeout=120.0):
        self.root_dir = Path(root_dir).resolve()
        self._own_work_dir = work_dir is None
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="rnnlib-lab-"))
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(24)
        self.port = None
        self.process = None
        self.log_path = self.work_dir / "jupyterlab.log"
        self._log = None
        self._kernel_pids = set()

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/"

    def start(self):
        names = ("config", "data", "runtime", "settings", "workspaces", "ipython")
        dirs = {name: self.work_dir / name for name in names}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        write_lab_settings(dirs["settings"])
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the kernel should behave as on a learner's machine
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        self.port = free_port()
        cmd = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.open_browser=False",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",  # lets the page read the kernel's status
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            cmd, cwd=self.root_dir, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "api/status", timeout=2)
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _remember_kernels(self):
        if self.process is not None and self.process.poll() is None:
            self._kernel_pids.update(_children(self.process.pid))

    def stop(self):
        """Shut the server and its kernels down; kill what does not exit (only our own PIDs)."""
        proc = self.process
        if proc is not None:
            self._remember_kernels()
            if proc.poll() is None:
                try:
                    self.api("POST", "api/shutdown", timeout=5)
                except (OSError, urllib.error.URLError):
                    pass
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)  # the server's own group (start_new_session)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass
            # kernels run in their own sessions (jupyter_client), so the group kill misses them
            for pid in self._kernel_pids:
                if _alive(pid):
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- REST ----------------------------------------------------------------------------------
    def api(self, method, path, timeout=10):
        req = urllib.request.Request(
            self.base_url + path, method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method in ("POST", "PUT", "PATCH") else None,
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def notebook_url(self, relpath):
        return f"{self.base_url}lab/tree/{relpath}?reset&token={self.token}"

    def shutdown_sessions(self):
        """Stop every kernel session (after a notebook's test), keeping the server."""
        self._remember_kernels()
        for session in self.api("GET", "api/sessions") or []:
            try:
                self.api("DELETE", f"api/sessions/{session['id']}")
            except (OSError, urllib.error.URLError):
                pass


# ----------------------------------------------------------------------------------------------
# The browser
# ----------------------------------------------------------------------------------------------


def launch_chromium(playwright, executable=CHROMIUM):
    """Start Debian's Chromium headless; raise :class:`BrowserUnavailable` with install advice."""
    if not Path(executable).exists():
        raise BrowserUnavailable(f"{executable} does not exist. {INSTALL_HINT}")
    try:
        return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
                                          timeout=60_000)
    except Exception as exc:  # playwright raises its own Error type
        raise BrowserUnavailable(f"Chromium at {executable} did not start: {exc}\n{INSTALL_HINT}") from exc


# JavaScript run in the page. The "current panel" is the visible notebook.
_JS_PANEL = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')"
_JS_KERNEL_STATUS = f"""
const kernelStatus = () => {{
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  if (k) return k.status;
  const ind = {_JS_PANEL}?.querySelector('.jp-Notebook-ExecutionIndicator');
  return ind ? ind.dataset.status : 'unknown';
}};
"""

JS_KERNEL_READY = (
    "(name) => {" + _JS_KERNEL_STATUS + f"""
  const panel = {_JS_PANEL};
  if (!panel) return false;
  const label = panel.querySelector('.jp-Toolbar-kernelName');
  return !!label && label.textContent.includes(name) && kernelStatus() === 'idle';
}}"""
)

JS_WATCH_RUN = f"""() => {{
  const panel = {_JS_PANEL};
  window.__rnnlibRunSeen = false;
  if (window.__rnnlibRunObserver) window.__rnnlibRunObserver.disconnect();
  const look = () => {{
    if ([...panel.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*')))
      window.__rnnlibRunSeen = true;
  }};
  window.__rnnlibRunObserver = new MutationObserver(look);
  window.__rnnlibRunObserver.observe(panel, {{subtree: true, childList: true, characterData: true}});
}}"""

# Run All is over when it has started (a [*] was seen), no cell is queued or running any more and
# the kernel is idle (between two cells of a Run All the next one still shows [*]). A cell that
# raised stops the run: later cells keep an empty prompt, which render_problems reports.
JS_RUN_DONE = (
    "() => {" + _JS_KERNEL_STATUS + f"""
  const panel = {_JS_PANEL};
  if (!window.__rnnlibRunSeen) return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
  return !prompts.some(p => p.includes('*')) && kernelStatus() === 'idle';
}}"""
)

JS_CELLS_RUN = f"""() => [...{_JS_PANEL}.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
  .filter(p => /\\[\\d+\\]/.test(p.textContent)).length"""

_JS_OWN_TEXT = """
const ownText = (el) => [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('');
"""

JS_WIDGETS_SETTLED = "() => {" + _JS_OWN_TEXT + f"""
  const panel = {_JS_PANEL};
  const outputs = [...panel.querySelectorAll('.jp-OutputArea-output')];
  if (outputs.some(el => ownText(el).includes('Loading widget...'))) return false;
  const imgs = [...panel.querySelectorAll('img.rnnlib-figure')];
  return imgs.every(img => img.complete && img.naturalWidth > 0);
}}"""

# Every problem a person would see after Run All (or a test should): a list of strings.
JS_RENDER_PROBLEMS = "() => {" + _JS_OWN_TEXT + f"""
  const panel = {_JS_PANEL};
  const problems = [];
  const cellLabel = (el) => {{
    const cell = el.closest('.jp-Cell');
    const cells = [...panel.querySelectorAll('.jp-Cell')];
    const prompt = cell?.querySelector('.jp-InputPrompt')?.textContent.trim() || '';
    return `cell ${{cells.indexOf(cell) + 1}} ${{prompt}}`;
  }};
  const clip = (s) => s.trim().replace(/\\s+$/g, '').slice(-1500);
  panel.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').forEach(el =>
    problems.push(`error output in ${{cellLabel(el)}}:\\n${{clip(el.innerText)}}`));
  panel.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach(el => {{
    const t = el.innerText;
    // JupyterLab renders a cell's exception (an "error" output) as stderr too
    if (/Traceback|Error\\b|Exception\\b/.test(t))
      problems.push(`error or traceback in ${{cellLabel(el)}}:\\n${{clip(t)}}`);
  }});
  // the widget renderer writes these messages as its own text (a learner's text may quote them)
  panel.querySelectorAll('.jp-OutputArea-output').forEach(el => {{
    const own = ownText(el);
    if (own.includes('Error displaying widget'))
      problems.push(`"${{clip(own)}}" in ${{cellLabel(el)}}`);
    if (own.includes('Loading widget...')) problems.push(`"Loading widget..." still shown in ${{cellLabel(el)}}`);
  }});
  const widgetOutput = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]';
  panel.querySelectorAll(widgetOutput).forEach(el => {{
    if (!el.querySelector('.jupyter-widgets')) problems.push(`a widget output did not render in ${{cellLabel(el)}}`);
  }});
  panel.querySelectorAll('.jp-InputPrompt').forEach(p => {{
    if (p.textContent.includes('*')) problems.push(`${{cellLabel(p)}} is still running or queued`);
  }});
  document.querySelectorAll('.jp-Dialog').forEach(d => problems.push(`a dialog is open: ${{clip(d.innerText)}}`));
  return problems;
}}"""

CONTROL_SELECTOR = ", ".join([
    ".rnnlib-slider input[type=range]",
    ".widget-dropdown select",
    ".widget-text input[type=text]",
    ".widget-text input[type=number]",
    ".widget-textarea textarea",
    ".widget-toggle-buttons button",
    ".widget-checkbox input[type=checkbox]",
])

# Tag explorers and their controls with data-rnnlib-test ids and describe them.
JS_EXPLORERS = f"""(controlSelector) => {{
  const panel = {_JS_PANEL};
  const out = [];
  panel.querySelectorAll('.rnnlib-explorer').forEach((ex, i) => {{
    const id = `explorer-${{i}}`;
    ex.dataset.rnnlibTest = id;
    const cell = ex.closest('.jp-Cell');
    const cells = [...panel.querySelectorAll('.jp-Cell')];
    const code = cell ? [...cell.querySelectorAll('.jp-InputArea .cm-line')].map(l => l.textContent) : [];
    const controls = [];
    ex.querySelectorAll(controlSelector).forEach((el, j) => {{
      if (el.closest('.rnnlib-explorer') !== ex) return;  // belongs to a nested explorer
      const cid = `${{id}}-control-${{j}}`;
      el.dataset.rnnlibTest = cid;
      const box = el.closest('.widget-inline-hbox') || el.closest('.jupyter-widgets');
      const clean = (t) => (t || '').replace(/\\u200b/g, '').trim();  // ipywidgets pads empty labels
      const label = clean(box?.querySelector(':scope > .widget-label')?.textContent)
                    || clean(el.labels?.[0]?.textContent)
                    || clean(el.closest('label')?.textContent) || clean(el.getAttribute('aria-label'));
      let kind = 'unknown';
      const c = {{id: cid, label}};
      if (el.type === 'range') {{  // the course's sliders: a native <input type="range">
        kind = 'slider';
        c.now = parseFloat(el.value);
        c.min = parseFloat(el.min);
        c.max = parseFloat(el.max);
        c.readout = el.getAttribute('aria-valuetext');
        c.disabled = el.disabled;
      }} else if (el.tagName === 'SELECT') {{
        kind = 'dropdown'; c.index = el.selectedIndex; c.n = el.options.length; c.disabled = el.disabled;
      }} else if (el.tagName === 'TEXTAREA' || el.type === 'text') {{
        kind = 'text'; c.value = el.value; c.disabled = el.disabled || el.readOnly;
      }} else if (el.type === 'number') {{
        kind = 'number'; c.value = el.value; c.disabled = el.disabled || el.readOnly;
      }} else if (el.type === 'checkbox') {{
        kind = 'checkbox'; c.disabled = el.disabled;
      }} else if (el.tagName === 'BUTTON') {{
        kind = 'toggle'; c.active = el.classList.contains('mod-active'); c.disabled = el.disabled;
        const group = el.closest('.widget-toggle-buttons')?.querySelector(':scope > .widget-label')?.textContent;
        c.label = `${{(group || '').trim()}} ${{el.textContent.trim() || el.title}}`.trim();
      }}
      c.kind = kind;
      controls.push(c);
    }});
    const imgs = [...ex.querySelectorAll('img.rnnlib-figure')];
    const r = ex.getBoundingClientRect();
    out.push({{id, cell: cell ? cells.indexOf(cell) + 1 : null, code, controls,
               figures: imgs.length,
               figuresLoaded: imgs.filter(img => img.complete && img.naturalWidth > 0).length,
               scales: imgs.map(img => img.naturalWidth ? img.clientWidth / img.naturalWidth : null),
               width: r.width, height: r.height,
               error: (ex.querySelector('.rnnlib-error')?.innerText || '').trim()}});
  }});
  return out;
}}"""

# The state an interaction is checked against: figure bytes (hashed), counts, error text.
JS_EXPLORER_STATE = """async (id) => {
  const ex = document.querySelector(`[data-rnnlib-test="${id}"]`);
  const fnv = (bytes) => {  // FNV-1a: a cheap fingerprint of the PNG bytes
    let h = 0x811c9dc5;
    for (const b of bytes) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
    return h.toString(16) + ':' + bytes.length;
  };
  const hashes = [];
  for (const img of ex.querySelectorAll('img.rnnlib-figure')) {
    try { hashes.push(fnv(new Uint8Array(await (await fetch(img.src)).arrayBuffer()))); }
    catch (e) { hashes.push('unreadable:' + img.src.slice(0, 40)); }
  }
  const cell = ex.closest('.jp-Cell');
  return {
    hashes,
    figures: hashes.length,
    outputs: cell ? cell.querySelectorAll('.jp-OutputArea-output').length : null,
    figuresInCell: cell ? cell.querySelectorAll('img.rnnlib-figure').length : null,
    error: (ex.querySelector('.rnnlib-error')?.innerText || '').trim(),
    text: [...ex.querySelectorAll('.widget-html-content, .widget-output')]
      .filter(el => !el.closest('.rnnlib-error')).map(el => el.innerText).join(' | '),
  };
}"""

JS_ARM = """(id) => {
  const ex = document.querySelector(`[data-rnnlib-test="${id}"]`);
  let L = window.__rnnlibLat;
  if (!L) {
    L = window.__rnnlibLat = {armed: false, kernel: null, inflight: new Set()};
    const start = (e) => {
      if (L.armed && L.t0 === null) { L.t0 = e.timeStamp; L.trigger = e.type + ' ' + (e.key || ''); }
    };
    for (const type of ['keydown', 'pointerdown', 'input', 'change']) window.addEventListener(type, start, true);
    // every message the input sends to the kernel, until the kernel reports it handled (idle)
    L.onMessage = (_, {msg, direction}) => {
      if (!L.armed || L.t0 === null) return;
      if (direction === 'send' && msg.channel === 'shell') {
        L.inflight.add(msg.header.msg_id); L.sent += 1; L.lastActivity = performance.now();
        if (L.firstSend === null) L.firstSend = L.lastActivity;
      } else if (direction === 'recv' && msg.header.msg_type === 'status'
                 && msg.content.execution_state === 'idle' && L.inflight.has(msg.parent_header.msg_id)) {
        L.inflight.delete(msg.parent_header.msg_id); L.lastActivity = L.lastIdle = performance.now();
      }
    };
  }
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  if (kernel && kernel !== L.kernel) {
    if (L.kernel) L.kernel.anyMessage.disconnect(L.onMessage);
    kernel.anyMessage.connect(L.onMessage);
    L.kernel = kernel;
  }
  if (L.observer) L.observer.disconnect();
  L.inflight.clear();
  Object.assign(L, {armed: true, t0: null, trigger: null, mutations: 0, pending: 0, paints: [],
                    textPaints: [], textPending: false, sent: 0, firstSend: null, lastIdle: null,
                    seesKernel: !!kernel, lastActivity: -Infinity});
  const painted = () => requestAnimationFrame(() => setTimeout(() => {
    L.paints.push(performance.now()); L.pending -= 1; L.lastActivity = performance.now();
  }, 0));
  L.observer = new MutationObserver((records) => {
    for (const r of records) {
      L.mutations += 1; L.pending += 1; L.lastActivity = performance.now();
      r.target.decode().then(painted, painted);
    }
  });
  ex.querySelectorAll('img.rnnlib-figure').forEach(img =>
    L.observer.observe(img, {attributes: true, attributeFilter: ['src']}));
  // text outputs (HTML, Output widgets): timed only when no figure changes
  if (L.textObserver) L.textObserver.disconnect();
  L.textObserver = new MutationObserver(() => {
    L.lastActivity = performance.now();
    if (L.textPending) return;  // one paint per frame is enough
    L.textPending = true; L.pending += 1;
    requestAnimationFrame(() => setTimeout(() => {
      L.textPaints.push(performance.now()); L.textPending = false; L.pending -= 1;
      L.lastActivity = performance.now();
    }, 0));
  });
  ex.querySelectorAll('.widget-html-content, .widget-output').forEach(el => {
    if (!el.closest('.rnnlib-error'))
      L.textObserver.observe(el, {childList: true, characterData: true, subtree: true});
  });
}"""

# Settled when every message the input sent has been handled by the kernel, every new image is
# painted and nothing happened for quietMs. Returns 'figure' (a figure changed), 'no figure', or
# false (not yet). Without access to the kernel object it falls back to the status indicator.
JS_SETTLED = (
    "([quietMs, needFigure]) => {" + _JS_KERNEL_STATUS + """
  const L = window.__rnnlibLat;
  if (L.t0 === null || L.pending > 0) return false;
  if (L.seesKernel ? (L.sent === 0 || L.inflight.size > 0) : kernelStatus() !== 'idle') return false;
  if (performance.now() - L.lastActivity <= quietMs) return false;
  if (L.mutations > 0) return 'figure';
  if (!L.seesKernel && (needFigure || performance.now() - L.t0 < 2000)) return false;
  return 'no figure';
}"""
)

JS_QUIET = (
    "() => {" + _JS_KERNEL_STATUS + """
  const L = window.__rnnlibLat;
  return L.pending === 0 && kernelStatus() === 'idle';
}"""
)

JS_COLLECT = """() => {
  const L = window.__rnnlibLat;
  L.armed = false;
  if (L.observer) L.observer.disconnect();
  if (L.textObserver) L.textObserver.disconnect();
  return {t0: L.t0, trigger: L.trigger, mutations: L.mutations, paints: L.paints, textPaints: L.textPaints,
          sent: L.sent, firstSend: L.firstSend, lastIdle: L.lastIdle,
          unanswered: L.inflight.size};
}"""

JS_SCROLL_HEIGHT = f"""() => {{
  const panel = {_JS_PANEL};
  const scroller = panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
  return {{scroll: scroller.scrollHeight, client: scroller.clientHeight, inner: window.innerHeight}};
}}"""


JS_SCROLL_TOP = f"""() => {{
  const panel = {_JS_PANEL};
  const scroller = panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
  scroller.scrollTop = 0;
}}"""


@dataclass
class Interaction:
    """One input event on one control and what it did."""

    control: str
    kind: str
    key: str
    latency_ms: float | None  # input event -> last new figure painted (None: no figure changed)
    figure_changed: bool
    text_changed: bool
    kernel_ms: float | None = None  # first message sent -> kernel reports the last one handled
    problems: list = field(default_factory=list)


@dataclass
class ExplorerReport:
    name: str
    control: str | None = None  # the control timed over the repetitions
    measures: str = "figure"  # what the latency waits for: "figure" or "text" (explorer without figures)
    samples_ms: list = field(default_factory=list)
    kernel_samples_ms: list = field(default_factory=list)
    interactions: list = field(default_factory=list)
    screenshot: str | None = None

    @property
    def median_ms(self):
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def worst_ms(self):
        return max(self.samples_ms) if self.samples_ms else None

    @property
    def kernel_median_ms(self):
        """Median kernel round trip of the timed changes (the Python side plus messaging)."""
        timed = [k for k in self.kernel_samples_ms if k is not None]
        return statistics.median(timed) if timed else None


@dataclass
class NotebookReport:
    notebook: str
    problems: list = field(default_factory=list)
    explorers: list = field(default_factory=list)
    run_all_s: float | None = None
    total_s: float | None = None
    screenshot: str | None = None
    console_errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # worth a look, not failures
    axe_violations: dict = field(default_factory=dict)  # axe rule id -> elements, inside the explorers


EXPLORER_AXE_CONTEXT = "{include: [['.rnnlib-explorer']]}"


def audit_explorers(page):
    """axe-core (WCAG 2 A/AA) on the page's explorers only.

    Returns
    -------
    counts : dict of str to int
        Rule id -> number of failing elements.
    failures : list of str
        One line per failing element (every one is a failure: no known exceptions).
    """
    counts, failures = {}, []
    for v in run_axe(page, context=EXPLORER_AXE_CONTEXT):
        counts[v["id"]] = len(v["nodes"])
        for node in v["nodes"]:
            failures.append(f"axe {v['id']} ({v.get('impact')}): {v['help']}: {node['target']} "
                            f"{node['html'][:160]}")
    return counts, failures


def code_cells_to_run(path):
    """Number of code cells with source (JupyterLab does not execute empty cells)."""
    nb = json.loads(Path(path).read_text())
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip())


def expected_explorers(path):
    """A lower bound on the explorers a notebook shows: code cells whose last statement calls ``*explorer*(...)``."""
    nb = json.loads(Path(path).read_text())
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if lines and re.match(r"^[\w.]*explorer\w*\(", lines[-1].strip(), re.IGNORECASE):
            count += 1
    return count


def _explorer_name(notebook_stem, info):
    code = [ln.strip() for ln in info["code"] if ln.strip() and not ln.strip().startswith("#")]
    call = code[-1] if code else "?"
    if len(call) > 48:
        call = call[:45] + "..."
    return f"{notebook_stem} cell {info['cell']}: {call}"


def _plan_keys(control, reps):
    """Input events that change ``control`` ``reps`` times, back and forth so values stay valid.

    Returns a list of (prepare_keys, key) pairs: ``prepare_keys`` are pressed before timing starts
    (moving the caret), ``key`` is the timed event ("click" means a mouse click).
    """
    kind = control["kind"]
    if kind == "slider":
        if control["max"] <= control["min"]:
            return []
        first, second = ("ArrowRight", "ArrowLeft") if control["now"] < control["max"] else ("ArrowLeft", "ArrowRight")
        return [([], first if r % 2 == 0 else second) for r in range(reps)]
    if kind == "dropdown":
        # a closed <select> ignores arrow keys in headless Chromium: pick the option as a mouse user does
        if control["n"] < 2:
            return []
        here = control["index"]
        other = here + 1 if here < control["n"] - 1 else here - 1
        return [([], f"select:{other if r % 2 == 0 else here}") for r in range(reps)]
    if kind == "text":
        # type a letter, then delete it (Enter commits a text box with continuous_update=False)
        return [(["End"], "s") if r % 2 == 0 else (["End"], "Backspace") for r in range(reps)]
    if kind == "number":
        return [([], "ArrowUp" if r % 2 == 0 else "ArrowDown") for r in range(reps)]
    if kind in ("checkbox",):
        return [([], "Space") for _ in range(reps)]
    if kind == "toggle":
        return [([], "click")] if not control["active"] else []
    return []


class NotebookSession:
    """One notebook open in a browser page."""

    def __init__(self, page, server, relpath, notebook_path):
        self.page = page
        self.server = server
        self.relpath = relpath
        self.path = Path(notebook_path)
        self.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def open(self, timeout_s=90):
        page = self.page
        page.goto(self.server.notebook_url(self.relpath), timeout=timeout_s * 1000)
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden)", timeout=timeout_s * 1000)
        # more room for the notebook: collapse the file browser
        tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
        if tab.count():
            tab.first.click()
        # the kernel name shows before the kernel is attached: wait for it and for "idle"
        page.wait_for_function(JS_KERNEL_READY, arg=KERNEL_DISPLAY_NAME, timeout=timeout_s * 1000, polling=100)

    def run_all(self, timeout_s=240):
        """Run > Run All Cells from the menu bar, then wait until every cell ran and widgets rendered."""
        page = self.page
        page.evaluate(JS_WATCH_RUN)
        page.locator("#jp-MainMenu").get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).first.click()
        start = time.perf_counter()
        page.wait_for_function(JS_RUN_DONE, timeout=timeout_s * 1000, polling=200)
        seconds = time.perf_counter() - start
        try:
            page.wait_for_function(JS_WIDGETS_SETTLED, timeout=30_000, polling=200)
        except Exception:  # reported by render_problems
            pass
        return seconds

    def render_problems(self):
        problems = self.page.evaluate(JS_RENDER_PROBLEMS)
        ran, expected = self.page.evaluate(JS_CELLS_RUN), code_cells_to_run(self.path)
        if ran < expected:
            problems.append(f"only {ran} of {expected} code cells ran (Run All stopped early)")
        return problems

    def explorers(self):
        return self.page.evaluate(JS_EXPLORERS, CONTROL_SELECTOR)

    def screenshot_notebook(self, path, max_height=16000):
        """The whole notebook: make the window as tall as the notebook, shoot, restore."""
        page = self.page
        size = page.viewport_size
        dims = page.evaluate(JS_SCROLL_HEIGHT)
        height = min(max_height, int(dims["scroll"] + dims["inner"] - dims["client"]) + 20)
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        try:
            page.wait_for_timeout(300)
            page.evaluate(JS_SCROLL_TOP)
            page.wait_for_timeout(200)
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(size)
            page.wait_for_timeout(200)

    def screenshot_element(self, locator, path):
        """A screenshot of one element, the window made tall enough to show all of it."""
        page = self.page
        size = page.viewport_size
        box = locator.bounding_box()
        tall = box is not None and box["height"] + 200 > size["height"]
        if tall:
            page.set_viewport_size({"width": size["width"], "height": int(box["height"]) + 200})
        try:
            locator.scroll_into_view_if_needed()
            page.wait_for_timeout(100)
            locator.screenshot(path=str(path))
        finally:
            if tall:
                page.set_viewport_size(size)
                locator.scroll_into_view_if_needed()

    def _press(self, locator, key):
        if key == "click":
            locator.click()
        elif key.startswith("select:"):
            locator.select_option(index=int(key.split(":")[1]))
        else:
            self.page.keyboard.press(key)

    def interact(self, explorer_id, control, prepare, key, need_figure, timeout_s=10.0):
        """Send one input event to a control; check the explorer updated in place; time it.

        ``need_figure``: the change must redraw a figure (otherwise a change of the explorer's
        text, e.g. a table, is enough). The returned :class:`Interaction` lists what went wrong.
        """
        page = self.page
        locator = page.locator(f'[data-rnnlib-test="{control["id"]}"]')
        label = f"{control['kind']} '{control['label'] or control['id']}'"
        page.evaluate(JS_ARM, explorer_id)
        try:  # an earlier update still running would be mistaken for this one
            page.wait_for_function(JS_QUIET, timeout=timeout_s * 1000, polling=50)
        except Exception:
            pass
        before = page.evaluate(JS_EXPLORER_STATE, explorer_id)
        if key != "click" and not key.startswith("select:"):
            locator.focus()
        for k in prepare:
            page.keyboard.press(k)
        page.evaluate(JS_ARM, explorer_id)
        self._press(locator, key)
        if control["kind"] in ("text", "number"):
            page.keyboard.press("Enter")  # commits boxes with continuous_update=False
        problems = []
        try:
            page.wait_for_function(JS_SETTLED, arg=[100, need_figure], timeout=timeout_s * 1000, polling=50)
            settled = True
        except Exception:
            settled = False
        timing = page.evaluate(JS_COLLECT)
        if not settled:
            if timing["t0"] is None:
                problems.append(f"{label}: the page saw no input event from {key}")
            elif timing["sent"] == 0:
                problems.append(f"{label}: {key} sent nothing to the kernel within {timeout_s:.0f} s "
                                "(the control did not react)")
            else:
                problems.append(f"{label}: the kernel did not finish handling {key} within {timeout_s:.0f} s "
                                f"({timing['unanswered']} message(s) unanswered)")
        latency = kernel_ms = None
        if timing["t0"] is not None:  # to the last new figure painted, or else the last new text
            paints = timing["paints"] or timing["textPaints"]
            latency = max(paints) - timing["t0"] if paints else None
        if timing["firstSend"] is not None and timing["lastIdle"] is not None:
            kernel_ms = timing["lastIdle"] - timing["firstSend"]
        after = page.evaluate(JS_EXPLORER_STATE, explorer_id)
        figure_changed = any(a != b for a, b in zip(before["hashes"], after["hashes"], strict=False))
        text_changed = before["text"] != after["text"]
        if not problems:
            if need_figure and not figure_changed:
                problems.append(f"{label}: after {key} the figure was redrawn with the same pixels")
            elif not (figure_changed or text_changed):
                problems.append(f"{label}: {key} changed nothing in the explorer (no figure, no text)")
        if after["figures"] != before["figures"]:
            problems.append(f"{label}: the explorer had {before['figures']} figure(s), now {after['figures']} "
                            "(a figure was added instead of replaced)")
        if after["figuresInCell"] != before["figuresInCell"] or after["outputs"] != before["outputs"]:
            problems.append(f"{label}: the cell had {before['outputs']} output(s) / {before['figuresInCell']} "
                            f"figure(s), now {after['outputs']} / {after['figuresInCell']} (output piled up below)")
        if after["error"]:
            problems.append(f"{label}: the explorer shows an error after {key}: {after['error'][:500]}")
        measured = figure_changed or (text_changed and not timing["paints"])
        return Interaction(control=f"{control['kind']} '{control['label'] or control['id']}'", kind=control["kind"],
                           key=key, latency_ms=latency if measured else None,
                           figure_changed=figure_changed, text_changed=text_changed, kernel_ms=kernel_ms,
                           problems=problems)


def check_notebook(context, server, relpath, notebook_path, screenshot_dir=None, reps=5, run_timeout_s=600,
                   log=print):
    """Open, run and drive one notebook; return a :class:`NotebookReport` (never raises on findings)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start = time.perf_counter()
    stem = Path(relpath).stem
    report = NotebookReport(notebook=relpath)
    page = context.new_page()
    session = NotebookSession(page, server, relpath, notebook_path)
    shots = Path(screenshot_dir) if screenshot_dir else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
        report.screenshot = str(shots / f"{stem}__run_all.png")
    try:
        try:
            session.open()
        except PlaywrightTimeout:
            report.problems.append("the notebook did not open with a ready kernel "
                                   f"('{KERNEL_DISPLAY_NAME}', idle) in time")
            report.problems += session.render_problems()
            if shots:
                page.screenshot(path=report.screenshot)
            return report
        try:
            report.run_all_s = session.run_all(timeout_s=run_timeout_s)
            log(f"{relpath}: Run All took {report.run_all_s:.1f} s")
        except PlaywrightTimeout:
            report.problems.append(f"Run All did not finish within {run_timeout_s:.0f} s")
        report.problems += session.render_problems()
        if shots:
            session.screenshot_notebook(report.screenshot)
        if report.run_all_s is None:
            return report
        infos = session.explorers()
        if infos:
            report.axe_violations, failures = audit_explorers(page)
            report.problems += failures
        expected = expected_explorers(notebook_path)
        if len(infos) < expected:
            report.problems.append(f"{len(infos)} explorer(s) (.rnnlib-explorer) rendered, but the notebook "
                                   f"builds at least {expected}")
        for info in infos:
            report.explorers.append(_drive_explorer(session, stem, info, reps, shots, report.problems, log))
            stretched = [f"{sc:.2f}x" for sc in info["scales"] if sc and not 0.9 <= sc <= 1.1]
            if stretched:
                report.notes.append(f"{report.explorers[-1].name}: figure shown at {', '.join(stretched)} "
                                    "its pixel size (scaled by the page layout, so it looks blurred or tiny)")
    finally:
        report.console_errors = session.console_errors
        page.close()
        report.total_s = time.perf_counter() - start
    return report


def _current_control(session, explorer_id, control_id):
    """The control's state now (earlier changes may have moved it or changed its range)."""
    for info in session.explorers():
        if info["id"] == explorer_id:
            for control in info["controls"]:
                if control["id"] == control_id:
                    return control
    return None


def _drive_explorer(session, stem, info, reps, shots, problems, log):
    """Check one explorer rendered, then move each of its controls; time the first that redraws a figure.

    Every control is changed once (it must update the explorer without an error and without
    piling up output); the first control whose change redraws a figure is changed ``reps`` times
    in all, back and forth, and those changes are the explorer's latency samples.
    """
    name = _explorer_name(stem, info)
    ex = ExplorerReport(name=name)
    if info["width"] <= 0 or info["height"] <= 0:
        problems.append(f"{name}: the explorer has no size on the page (hidden?)")
    has_figures = info["figures"] > 0  # an explorer without figures is timed on its text
    ex.measures = "figure" if has_figures else "text"
    if info["figuresLoaded"] < info["figures"]:
        problems.append(f"{name}: {info['figures'] - info['figuresLoaded']} figure(s) did not load")
    if info["error"]:
        problems.append(f"{name}: the explorer shows an error right after Run All: {info['error'][:500]}")
    usable = [c for c in info["controls"] if not c.get("disabled") and _plan_keys(c, 1)]
    if not usable:
        kinds = ", ".join(c["kind"] for c in info["controls"]) or "none"
        problems.append(f"{name}: no control rendered that the test can move (found: {kinds})")
        return ex
    locator = session.page.locator(f'[data-rnnlib-test="{info["id"]}"]')
    locator.scroll_into_view_if_needed()
    for control in usable:
        control = _current_control(session, info["id"], control["id"]) or control
        plan = _plan_keys(control, reps if ex.control is None else 1)
        if not plan:
            continue
        prepare, key = plan[0]
        result = session.interact(info["id"], control, prepare, key, need_figure=False)
        ex.interactions.append(result)
        problems += [f"{name}: {p}" for p in result.problems]
        if ex.control is not None or result.problems or not (result.figure_changed or not has_figures):
            continue
        # the timed control: this change and reps - 1 more, back and forth
        ex.control = result.control
        ex.samples_ms.append(result.latency_ms)
        ex.kernel_samples_ms.append(result.kernel_ms)
        if shots:
            ex.screenshot = str(shots / f"{stem}__{info['id']}.png")
            session.screenshot_element(locator, ex.screenshot)
        for prepare, key in plan[1:]:
            result = session.interact(info["id"], control, prepare, key, need_figure=has_figures)
            ex.interactions.append(result)
            problems += [f"{name}: {p}" for p in result.problems]
            if result.problems:
                break
            ex.samples_ms.append(result.latency_ms)
            ex.kernel_samples_ms.append(result.kernel_ms)
    if ex.control is None and not any(p.startswith(name) for p in problems):
        problems.append(f"{name}: no control redrew {'a figure' if has_figures else 'the text'} "
                        f"(tried {', '.join(i.control for i in ex.interactions)})")
    if ex.samples_ms:
        log(f"{name}: {ex.control} median {ex.median_ms:.0f} ms, worst {ex.worst_ms:.0f} ms over {len(ex.samples_ms)}")
    return ex


# ----------------------------------------------------------------------------------------------
# Latency report
# ----------------------------------------------------------------------------------------------


def latency_rows(reports):
    rows = []
    for rep in reports:
        for ex in rep.explorers:
            rows.append({
                "notebook": rep.notebook,
                "explorer": ex.name,
                "control": ex.control,
                "measures": ex.measures,
                "samples_ms": [round(s, 1) for s in ex.samples_ms],
                "median_ms": None if ex.median_ms is None else round(ex.median_ms, 1),
                "worst_ms": None if ex.worst_ms is None else round(ex.worst_ms, 1),
                "kernel_median_ms": None if ex.kernel_median_ms is None else round(ex.kernel_median_ms, 1),
                "interactions": [
                    {"control": i.control, "key": i.key, "figure_changed": i.figure_changed,
                     "text_changed": i.text_changed,
                     "kernel_ms": None if i.kernel_ms is None else round(i.kernel_ms, 1),
                     "latency_ms": None if i.latency_ms is None else round(i.latency_ms, 1)}
                    for i in ex.interactions
                ],
                "screenshot": ex.screenshot,
            })
    return rows


def _ms(value):
    return "-" if value is None else f"{value:.0f}"


def latency_markdown(rows):
    try:
        load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        load = f"{os.cpu_count()} CPUs"
    lines = [
        f"Latency from the input event to the new figure painted (goal: median < {GOAL_MEDIAN_MS:.0f} ms; a "
        f"benchmark, not a test: only a change slower than {BROKEN_MS:.0f} ms fails the browser test; {load}). "
        "Kernel: from the first message the input sent to the kernel reporting the last one handled "
        "(Python + messaging); the rest is the browser.",
        "",
        "| explorer | control | n | median (ms) | worst (ms) | kernel median (ms) | goal met |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        med, worst = row["median_ms"], row["worst_ms"]
        met = "-" if med is None else ("yes" if med < GOAL_MEDIAN_MS else "no")
        shown = row["explorer"] + (" (text, no figure)" if row["measures"] == "text" else "")
        lines.append(f"| {shown} | {row['control'] or '-'} | {len(row['samples_ms'])} | {_ms(med)} | "
                     f"{_ms(worst)} | {_ms(row['kernel_median_ms'])} | {met} |")
    return "\n".join(lines) + "\n"


def write_latency(reports, out_dir):
    """Write ``browser_latency.json`` and ``browser_latency.md``; return the markdown."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = latency_rows(reports)
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    data = {
        "goal_median_ms": GOAL_MEDIAN_MS,
        "broken_ms": BROKEN_MS,
        "machine": {"cpus": os.cpu_count(), "loadavg": load},
        "notebooks": [{"notebook": r.notebook, "run_all_s": r.run_all_s, "total_s": r.total_s,
                       "problems": r.problems, "notes": r.notes, "console_errors": r.console_errors[:20]}
                      for r in reports],
        "explorers": rows,
    }
    (out / "browser_latency.json").write_text(json.dumps(data, indent=2) + "\n")
    md = latency_markdown(rows)
    (out / "browser_latency.md").write_text(md)
    return md
