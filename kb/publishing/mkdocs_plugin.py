"""The MkDocs plugin that turns the knowledge base into the site's pages at build time.

Pages are generated in memory on every build (:func:`kb.publishing.pages.render`, with
the JSON the site's scripts read from :func:`kb.publishing.pages.render_data`) and
handed to MkDocs as generated files, so the repository holds no generated
Markdown that could fall out of date, and ``mkdocs serve`` rebuilds the site
when a claim file changes (``claims/`` is in ``watch``).

The plugin also owns the maps' client side: it publishes the vis-network that
ships inside the installed pyvis package, and the map script and styles, as
site assets (the map script loads vis-network only on pages with a map), and it puts its own template folder in
front of the theme's so the page title is escaped (see kb/publishing/templates/main.html).
Nothing is fetched from the network, at build time or by a reader's browser.

Generated pages are mostly HTML blocks between Markdown headings (see
kb/publishing/pages.py). Markdown would pass each block through unchanged, but only after
parsing all of its HTML to find where the block ends, which on a site with a
page per node costs more than the rest of the build. The plugin already knows
where each block ends (one line, one element), so it sets the blocks aside
before Markdown runs and puts them back in the HTML Markdown produced: the same
page, without the parse. Blocks marked to stay out of the search index (maps,
lists of neighbours, tables of numbers) go back only into the finished page,
after Material's search has indexed the content, which is what their
``data-search-exclude`` asks of it and spares it parsing most of each page.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from kb.publishing import maps, pages, site
from kb.data import settings, store
from kb.data.errors import KBError

log = logging.getLogger("mkdocs.plugins.kb")

HERE = Path(__file__).resolve().parent
ASSETS_DIR = site.ASSETS_DIR
TEMPLATES = HERE / "templates"
# Loaded by every page. vis-network is not: the map script fetches it, without blocking the page, only
# on a page that has a map (most of its 700 KB would be wasted on the rest).
STYLESHEETS = ("kb.css",)
SCRIPTS = ("kb-map.js",)  # it also loads kb-semantics.js and kb-stand.js, on the stand page only
MAX_LISTED_PROBLEMS = 20
_PLACEHOLDER = re.compile(r"<!--kb-block-(\d+)-->")
_LATE = re.compile(r"<!--kb-late-(\d+)-->")


class KBPluginConfig(base.Config):
    kb_dir = c.Dir(exists=True, default="claims")
    """The knowledge base's folder, relative to mkdocs.yml."""
    perspectives = c.ListOfItems(c.Type(str), default=["neutral"])
    """Whose view strengths are shown from: 'neutral' and people's ids (see people.yaml)."""
    pairs = c.ListOfItems(c.ListOfItems(c.Type(str)), default=[])
    """Pairs of people whose double cruxes the cruxes page lists; shell patterns such as 'commenter-*' expand."""
    intro = c.Optional(c.Type(str))
    """A Markdown file in docs_dir to open the home page with (exclude it from the build with exclude_docs)."""
    sources_dir = c.Optional(c.Type(str))
    """Folder of the source documents' texts, relative to mkdocs.yml (default: sources_dir in the knowledge
    base's kb.toml); when present, lists follow document order."""
    local_map_nodes = c.Type(int, default=maps.LOCAL_CAP)
    """Most nodes a claim page's map shows."""


class KBPlugin(BasePlugin[KBPluginConfig]):
    def __init__(self):
        super().__init__()
        self._layout: tuple[object, dict] | None = None  # (graph key, positions), reused across serve rebuilds
        self._generated: set[str] = set()  # src_uris of the pages this plugin generated in this build
        self._blocks: dict[str, list[str]] = {}  # src_uri -> HTML blocks set aside while Markdown runs
        self._late: dict[str, list[str]] = {}  # src_uri -> blocks kept out of search, restored in the output

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        theme_dirs = config.theme.dirs
        at = 1 if config.theme.custom_dir and theme_dirs and theme_dirs[0] == config.theme.custom_dir else 0
        if str(TEMPLATES) not in theme_dirs:
            theme_dirs.insert(at, str(TEMPLATES))
        config.extra_css[:0] = [f"{ASSETS_DIR}/{name}" for name in STYLESHEETS if f"{ASSETS_DIR}/{name}" not in config.extra_css]
        present = {str(s) for s in config.extra_javascript}
        config.extra_javascript[:0] = [f"{ASSETS_DIR}/{name}" for name in SCRIPTS if f"{ASSETS_DIR}/{name}" not in present]
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        started = time.perf_counter()
        kb = self._load()
        try:
            analysis = site.analyse(kb, self.config.perspectives, self.config.pairs)
        except KBError as exc:
            raise PluginError(f"kb: {exc}") from None
        options = pages.Options(
            intro=self._intro(config),
            directory_urls=config.use_directory_urls,
            source_texts=self._source_texts(kb, config),
            local_cap=self.config.local_map_nodes,
        )
        generated = pages.render(kb, analysis, options, self._positions(analysis.graph))
        self._generated = set(generated)
        for path, text in {**generated, **pages.render_data(kb, analysis, options)}.items():
            if files.get_file_from_path(path) is not None:
                raise PluginError(f"kb: {config.docs_dir}/{path} would be replaced by a generated page; rename it")
            files.append(File.generated(config, path, content=text))
        try:
            assets = site.asset_files()
        except KBError as exc:
            raise PluginError(f"kb: {exc}") from None
        for name, source in assets.items():
            files.append(File.generated(config, f"{ASSETS_DIR}/{name}", abs_src_path=str(source)))
        log.info("kb: %d pages from %d nodes in %.1f s", len(generated), len(kb.nodes), time.perf_counter() - started)
        return files

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if page.file.src_uri not in self._generated:
            return None
        early: list[str] = []
        late: list[str] = []
        lines = markdown.split("\n")
        for i, line in enumerate(lines):
            if line.startswith(pages.BLOCK_START) and line.endswith("</div>"):
                # Blocks kept out of the search index go back only into the finished page, so that
                # search indexing never parses them (a map's data alone is most of a page).
                stash, name = (late, "late") if line.startswith(pages.BLOCK_UNSEARCHED) else (early, "block")
                lines[i] = f"<!--kb-{name}-{len(stash)}-->"
                stash.append(line)
        self._blocks[page.file.src_uri] = early
        self._late[page.file.src_uri] = late
        return "\n".join(lines)

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        blocks = self._blocks.pop(page.file.src_uri, None)
        if blocks is None:
            return None
        return _PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], html)

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        late = self._late.pop(page.file.src_uri, None)
        if late is None:
            return None
        return _LATE.sub(lambda m: late[int(m.group(1))], output)

    def _load(self) -> store.KnowledgeBase:
        """The knowledge base, refused with its problems listed when ``kb check`` would report an error."""
        try:
            return site.load_checked(Path(self.config.kb_dir))
        except KBError as exc:
            listed = "\n".join(p.format() for p in exc.problems[:MAX_LISTED_PROBLEMS])
            more = len(exc.problems) - MAX_LISTED_PROBLEMS
            raise PluginError(f"kb: {exc}:\n{listed}" + (f"\n... and {more} more" if more > 0 else "")) from None

    def _intro(self, config: MkDocsConfig) -> str:
        if not self.config.intro:
            return pages.DEFAULT_INTRO
        path = Path(config.docs_dir) / self.config.intro
        try:
            return store.read_text(path, store.MAX_FILE_BYTES, Path(config.docs_dir))
        except (OSError, UnicodeDecodeError, KBError) as exc:
            raise PluginError(f"kb: cannot read the home page's introduction {path}: {exc}") from None

    def _source_texts(self, kb: store.KnowledgeBase, config: MkDocsConfig) -> dict[str, str]:
        """Texts of the sources, for document order.

        A missing folder or file loses the order (the source pages then say
        so) and is reported in one message. It is logged as information, not
        as a MkDocs warning: the texts are kept outside the project, a build
        without them is still a true site, and ``mkdocs build --strict`` would
        fail on a warning. The folders are the plugin's ``sources_dir`` or else
        the knowledge base's own setting (kb.toml); texts are read only from
        inside them.
        """
        if self.config.sources_dir:
            folders = [Path(os.path.dirname(config.config_file_path or ".")) / self.config.sources_dir]
        else:
            folders = list(settings.source_folders(kb.root).folders)
        if not folders:
            return {}  # nowhere to look: nothing to report
        texts = {}
        missing = []
        for sid, source in sorted(kb.sources.items()):
            if not source.file:
                continue
            for folder in folders:
                try:
                    texts[sid] = store.read_source_text(folder, source.file)
                    break
                except (OSError, UnicodeDecodeError, KBError):
                    continue
            else:
                missing.append(sid)
        if missing:
            log.info("kb: warning: source texts not found in %s for %s: their claims are listed in file order, "
                     "not document order, and they get no reading page", ", ".join(str(f) for f in folders), ", ".join(missing))
        return texts

    def _positions(self, G) -> dict:
        """The global map's layout, recomputed only when the graph's shape changed since the last build."""
        key = (tuple(sorted(G.nodes)), tuple(sorted(G.edges)))
        if self._layout is None or self._layout[0] != key:
            self._layout = (key, maps.whole_layout(G))
        return self._layout[1]
