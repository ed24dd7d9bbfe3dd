"""Mermaid's own parser and renderer, for checking the diagrams catalint writes.

`ensure_installed()` runs `npm ci` for this folder's package-lock.json once into
`${CATALINT_CACHE:-~/.cache/catalint}/mermaid/<sha256 of the lockfile>/`, as tests/backstage does
for the Backstage backend. `parse()` runs Mermaid's parser in Node (jsdom supplies the window its
sanitiser needs); `render()` draws one diagram to SVG in headless Chromium (Debian's `chromium`)
with Mermaid's browser bundle, the way GitHub renders a job summary.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.toolcache import cache_root, locked

HERE = Path(__file__).resolve().parent
LOCKFILE = HERE / "package-lock.json"
MARKER = ".catalint-installed"


def _which(program: str, why: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise RuntimeError(f"`{program}` was not found on PATH; {why}")
    return found


def ensure_installed() -> Path:
    digest = hashlib.sha256(LOCKFILE.read_bytes()).hexdigest()
    root = cache_root("mermaid")
    target = root / digest
    if (target / MARKER).is_file():
        return target
    npm = _which("npm", "Node.js 20+ and npm are needed for Mermaid's parser")
    with locked(root / f"{digest}.lock"):
        if not (target / MARKER).is_file():
            staging = Path(tempfile.mkdtemp(prefix=f"{digest[:12]}.staging-", dir=root))
            try:
                for name in ("package.json", "package-lock.json"):
                    shutil.copy2(HERE / name, staging / name)
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"], cwd=staging, capture_output=True, text=True, timeout=900
                )
                if done.returncode != 0:
                    raise RuntimeError(f"npm ci for mermaid failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
                shutil.rmtree(target, ignore_errors=True)
                os.rename(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            (target / MARKER).write_text(digest + "\n")
    return target


def parse(diagrams: list[str]) -> list[dict[str, Any]]:
    """Mermaid's verdict on each diagram: `{"ok": True, "type": ...}` or `{"ok": False, "error": ...}`."""
    directory = ensure_installed()
    shutil.copy2(HERE / "parse.mjs", directory / "parse.mjs")
    node = _which("node", "Node.js is needed for Mermaid's parser")
    done = subprocess.run(
        [node, "parse.mjs"], cwd=directory, input=json.dumps(diagrams), capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"mermaid's parser did not run: {done.stderr[-2000:]}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


PAGE = """<!doctype html><html><body>
<pre class="mermaid" id="diagram">{diagram}</pre>
<script src="{bundle}"></script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
mermaid.run({{querySelector: "#diagram"}})
  .then(() => document.body.setAttribute("data-rendered", "yes"))
  .catch((err) => document.body.setAttribute("data-rendered", "error: " + err));
</script></body></html>
"""


def chromium() -> str:
    return _which("chromium", "install Debian's `chromium` package (.ci/run does)")


def render(diagram: str, workdir: Path, screenshot: Path | None = None) -> str:
    """The page's DOM after Mermaid drew `diagram` in headless Chromium (an `<svg>` inside)."""
    bundle = ensure_installed() / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    page = workdir / "diagram.html"
    page.write_text(PAGE.format(diagram=html.escape(diagram), bundle=bundle.as_uri()), encoding="utf-8")
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000"]
    base.append(f"--user-data-dir={workdir / 'profile'}")
    done = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed: {done.stderr[-2000:]}")
    if screenshot is not None:
        subprocess.run(
            [*base, "--hide-scrollbars", "--window-size=1200,330", f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True,
            timeout=180,
            check=True,
        )
    return done.stdout
