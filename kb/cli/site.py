"""``kb site DIR``: the published site's pages, written as Markdown files.

The pages are those the MkDocs plugin generates at build time; writing them out
lets them be read, diffed or published by another tool. Perspectives, pairs
and the home page's introduction come from the kb plugin's entry in mkdocs.yml
unless given here.
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli import cli, complete
from kb.cli.common import kb_dir


@cli.command("site")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False),
              help="MkDocs config whose kb plugin settings to use, when it exists.")
@click.option("--perspective", "perspectives", multiple=True, metavar="ID", shell_complete=complete.perspectives,
              help="Show strengths from this perspective ('neutral' or a person id); repeatable.")
@click.option("--pair", "pairs", nargs=2, multiple=True, metavar="A B", shell_complete=complete.perspectives,
              help="List the double cruxes of A and B (B may be a pattern such as 'commenter-*'); repeatable.")
@click.option("--assets/--no-assets", default=True, show_default=True,
              help="Also copy the scripts, the styles and vis-network into DIR/assets/kb, with the data they read.")
@click.pass_context
def site_cmd(ctx: click.Context, out_dir: str, config_file: str, perspectives: tuple[str, ...],
             pairs: tuple[tuple[str, str], ...], assets: bool) -> None:
    """Write the site's pages (one per claim, theory, source and person, and the indexes) into OUT_DIR."""
    from kb.publishing import pages, site

    settings = site.plugin_settings(Path(config_file))
    kb = site.load_checked(Path(kb_dir(ctx)))
    intro = site.read_intro(Path(config_file), settings) or pages.DEFAULT_INTRO
    chosen = list(perspectives) or settings.get("perspectives") or [pages.NEUTRAL]
    chosen_pairs = [list(p) for p in pairs] or settings.get("pairs") or []
    options = pages.Options(intro=intro)
    analysis = site.analyse(kb, chosen, chosen_pairs)
    generated = pages.render(kb, analysis, options)
    written = site.write_pages(generated, Path(out_dir))
    if assets:
        site.write_pages(pages.render_data(kb, analysis, options), Path(out_dir))
    copied = site.copy_assets(Path(out_dir)) if assets else []
    click.echo(f"wrote {len(written)} pages" + (f" and {len(copied)} assets" if copied else "") + f" to {out_dir}")
