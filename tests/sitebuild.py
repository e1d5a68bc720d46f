"""Building and serving test sites: shared by the site-build and browser tests.

A site is built by ``mkdocs build`` in a child process, exactly as a reader's
copy is; it is served by a small threaded HTTP server bound to 127.0.0.1 on a
free port, so that tests can run side by side and nothing is reachable from
outside the machine.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The config of a fixture site: the real site's theme and plugins, on a fixture knowledge base.
FIXTURE_CONFIG = r"""site_name: kb fixture
docs_dir: docs
site_dir: out
theme:
  name: material
  font: false
  features: [navigation.instant, search.highlight, search.suggest]
plugins:
  - search:
      separator: '[\s\-,:;!?=\[\]()"“”‘’/…]+|\.(?!\d)'
  - kb:
      kb_dir: {kb_dir}
      perspectives: {perspectives}
      pairs: {pairs}
nav:
  - Home: index.md
  - Theories of impact: theories/index.md
  - Cruxes: cruxes.md
  - Where do you stand?: stand.md
  - All claims: claims/index.md
  - The whole map: map.md
  - Sources: sources/index.md
  - People: people/index.md
not_in_nav: |
  /claims/*
  /theories/*
  /sources/*
  /people/*
markdown_extensions: [tables, attr_list, toc]
validation:
  omitted_files: warn
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
"""


def mkdocs(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, capture_output=True, text=True, env=env)


def build_real(out: Path) -> subprocess.CompletedProcess:
    """The repository's own site, built strictly into ``out``."""
    return mkdocs(["build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(out)], REPO)


def build_fixture(root: Path, kb_dir: Path, perspectives: str = "[neutral]", pairs: str = "[]",
                  sources_dir: Path | None = None) -> subprocess.CompletedProcess:
    """A site of a fixture knowledge base, built strictly into ``root / 'out'`` (with source texts when given)."""
    (root / "docs").mkdir(parents=True, exist_ok=True)
    config = root / "mkdocs.yml"
    text = FIXTURE_CONFIG.format(kb_dir=kb_dir, perspectives=perspectives, pairs=pairs)
    if sources_dir is not None:
        text = text.replace(f"      pairs: {pairs}\n", f"      pairs: {pairs}\n      sources_dir: {sources_dir}\n")
    config.write_text(text, encoding="utf-8")
    return mkdocs(["build", "--strict", "-f", str(config)], root)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


class Server:
    """A static file server for a built site on 127.0.0.1, in a background thread."""

    def __init__(self, directory: Path):
        handler = functools.partial(_Quiet, directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
