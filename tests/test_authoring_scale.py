"""Edits on a big map: read through the cache and judged without deriving every node's relations twice,
with the very outcome of a read of every file and a whole derivation."""

from __future__ import annotations

import os
import random
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import copied
from kb.changes import authoring
from kb.cli import cli
from kb.data import cache, store
from kb.data.errors import KBError
from kb.rules import validate


def _fields(scope: validate.Scope) -> tuple:
    """Everything a scope holds, dicts as their items in order (the rules read the first declarer of a pair)."""
    return (list(scope.ids.items()), [(k, v) for k, v in scope.declared.items()], scope.incoming,
            list(scope.declared_by.items()), list(scope.named_by.items()))


def _changed(rng: random.Random, kb: store.KnowledgeBase) -> tuple[store.KnowledgeBase, set[str]]:
    """The map after a few nodes were edited, removed or added, as :func:`authoring._after` lays it out
    (an edited node is a new object, put last); and the ids of the new objects."""
    nodes, paths = dict(kb.nodes), dict(kb.paths)
    ids = list(nodes)
    fresh: set[str] = set()
    for _ in range(rng.randint(1, 6)):
        node_id = rng.choice(ids)
        if node_id not in nodes:
            continue
        node, other = nodes[node_id], nodes[rng.choice(list(nodes))] if rng.random() < 0.9 else None
        what = rng.choice(["edges", "none", "remove", "add", "title"])
        if what == "remove":
            del nodes[node_id], paths[node_id]
            fresh.discard(node_id)
            continue
        if what == "add":
            new_id = f"{node_id}-copy-{rng.randrange(10**6)}"
            nodes[new_id], paths[new_id] = node.model_copy(update={"id": None}), paths[node_id]
            fresh.add(new_id)
            continue
        update = {"title": node.title + " again"} if what == "title" else (
            {"supports": [], "attacks": [], "undercuts": [], "restates": []} if what == "none" or other is None
            else {"supports": other.supports, "attacks": other.attacks, "restates": other.restates})
        del nodes[node_id]
        nodes[node_id] = node.model_copy(update=update)
        fresh.add(node_id)
    return store.KnowledgeBase(root=kb.root, people=kb.people, sources=kb.sources, nodes=nodes, paths=paths,
                               files=kb.files), fresh


def test_a_scope_carried_over_an_edit_is_the_scope_of_the_map_after(synthetic_map):
    kb, problems = store.load(synthetic_map(200, 4))
    assert not [p for p in problems if p.severity == "error"]
    before = validate.Scope.of(kb)
    rng = random.Random(11)
    differed = 0
    for _ in range(40):
        after, fresh = _changed(rng, kb)
        carried, derived = before.of_changed(after), validate.Scope.of(after)
        assert _fields(carried) == _fields(derived)
        differed += _fields(derived)[1:] != _fields(before)[1:]
        # What an untouched node declares and names is taken over, not derived again.
        kept = [i for i in after.nodes if i not in fresh]
        assert all(carried.declared_by[i] is before.declared_by[i] for i in kept)
        assert all(carried.named_by[i] is before.named_by[i] for i in kept)
    assert differed > 20, "the random edits should change what the map declares"


# --- an edit read through the cache --------------------------------------------------------------


def _same_size(rng: random.Random, text: str, ids: list[str]) -> tuple[str, str | None]:
    """The file with one edge pointed at another node of an id as long, its size kept (only the content
    tells the cache: the ids of a synthetic map are all as long), and that node."""
    targets = list(re.finditer(r"target: (\S+)$", text, re.M))
    if not targets:
        return text, None
    m = rng.choice(targets)
    new = rng.choice([i for i in ids if len(i) == len(m.group(1))])
    return text[:m.start(1)] + new + text[m.end(1):], new


def _outcome(run) -> tuple:
    try:
        out = run()
    except KBError as exc:
        return ("refused", str(exc), [(p.path, p.code, p.message) for p in exc.problems])
    return ("done", out.summary, [(p.path, p.code, p.message) for p in out.warnings], out.remaining_errors)


def _texts(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))}


def test_edits_through_the_cache_do_what_edits_reading_every_file_do(synthetic_map, tmp_path):
    """Two copies of one map take the same random edits, one through its cache and one reading every file.

    Between them, files are changed behind kb's back: an edge pointed elsewhere with the file's size and
    time kept, then an edit that the new edge decides (linking the same two nodes again, or unlinking
    them); or a reference broken. Every outcome (written or refused, the problems, the errors left) and
    every file must be the same.
    """
    with_cache = copied(synthetic_map(120, 7), tmp_path / "a")
    without = copied(synthetic_map(120, 7), tmp_path / "b")
    ids = sorted(p.stem for p in store.node_files(with_cache))
    rng = random.Random(5)
    store.load(with_cache, cache=cache.open_cache(with_cache))  # the cache as a command leaves it
    assert (with_cache / cache.CACHE_FILE).exists()
    refused = decided = 0
    for step in range(40):
        a, b = rng.sample(ids, 2)
        op = rng.choice(["link", "stance", "unlink"])
        if step % 2:
            name, in_place = rng.choice(ids), rng.random() < 0.6
            for root in (with_cache, without):
                path = next(root.rglob(f"{name}.yaml"))
                text, stat = path.read_text(encoding="utf-8"), path.stat()
                if in_place:
                    text, new_target = _same_size(random.Random(step), text, ids)
                    path.write_text(text, encoding="utf-8")
                    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
                else:
                    path.write_text(text.replace("- target: ", "- target: gone-", 1), encoding="utf-8")
            if in_place and new_target is not None and new_target != name:
                a, b, op = name, new_target, rng.choice(["link", "unlink"])
                decided += 1
        if op == "link":
            relation, weight = rng.choice(["supports", "attacks"]), round(rng.uniform(0.1, 1), 2)
            runs = [lambda root=root, use=use: authoring.link(root, a, relation, b, weight, cache=use)
                    for root, use in ((with_cache, True), (without, False))]
        elif op == "stance":
            credence = round(rng.random(), 2)
            runs = [lambda root=root, use=use: authoring.stance(root, "person-1", a, credence, cache=use)
                    for root, use in ((with_cache, True), (without, False))]
        else:
            runs = [lambda root=root, use=use: authoring.unlink(root, a, b, cache=use)
                    for root, use in ((with_cache, True), (without, False))]
        first, second = _outcome(runs[0]), _outcome(runs[1])
        assert first == second, (step, op)
        refused += first[0] == "refused"
        assert _texts(with_cache) == _texts(without), (step, op)
    assert not (without / cache.CACHE_FILE).exists(), "an edit with the cache off must not write one"
    assert 0 < refused < 40 and decided >= 5, "the random edits should be refused sometimes, not always"


def _row(root: Path, name: str) -> tuple | None:
    """The cache's key of one node file: (size, mtime_ns, ctime_ns, inode) when it last parsed it."""
    conn = sqlite3.connect(root / cache.CACHE_FILE)
    try:
        return conn.execute("SELECT size, mtime_ns, ctime_ns, ino FROM files WHERE path LIKE ?",
                            (f"%/{name}.yaml",)).fetchone()
    finally:
        conn.close()


@pytest.mark.parametrize("how", ["no-cache", "dry-run", "refused", "made"])
def test_an_edit_writes_to_the_cache_only_when_it_is_made(synthetic_map, tmp_path, how):
    """A file edited by hand is parsed again by the next edit: through the cache, which keeps what it
    parsed only when the edit is made (not on a dry run, nor when refused, nor with --no-cache)."""
    root = copied(synthetic_map(120, 7), tmp_path)
    a, b, c = sorted(p.stem for p in store.node_files(root))[:3]
    opened = cache.open_cache(root)
    store.load(root, cache=opened)
    opened.close()
    path = next(root.rglob(f"{c}.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Edited by hand, ", 1), encoding="utf-8")
    info = path.stat()
    now = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    was = _row(root, c)
    assert was is not None and was != now
    args = {"no-cache": ["--no-cache", "link", a, "attacks", b], "dry-run": ["link", a, "attacks", b, "--dry-run"],
            "refused": ["link", a, "attacks", "gone"], "made": ["link", a, "attacks", b]}[how]
    result = CliRunner().invoke(cli, ["--kb", str(root), *args, "--weight", "0.3"])
    assert result.exit_code == (1 if how == "refused" else 0), result.output
    assert _row(root, c) == (now if how == "made" else was)


@pytest.mark.parametrize("made", [True, False])
def test_an_edit_makes_the_cache_only_when_it_is_made(synthetic_map, tmp_path, made):
    """With no cache (or one of another version), an edit reads every file and, once made, keeps them:
    the next edit then parses only what changed."""
    root = copied(synthetic_map(120, 7), tmp_path)
    a, b = sorted(p.stem for p in store.node_files(root))[:2]
    result = CliRunner().invoke(cli, ["--kb", str(root), "link", a, "attacks", b if made else "gone"])
    assert result.exit_code == (0 if made else 1), result.output
    assert (root / cache.CACHE_FILE).exists() == made
    if made:
        opened = cache.open_cache(root)
        store.load(root, cache=opened)
        assert (opened.hits, opened.misses) == (119, 1)  # all but the file the edit wrote
        opened.close()


def test_a_dry_run_or_refused_edit_leaves_a_damaged_cache_alone_and_a_made_one_rebuilds_it(synthetic_map, tmp_path):
    root = copied(synthetic_map(120, 7), tmp_path)
    a, b = sorted(p.stem for p in store.node_files(root))[:2]
    damaged = b"not a database at all " * 100
    (root / cache.CACHE_FILE).write_bytes(damaged)
    for args, code in ((["link", a, "attacks", b, "--dry-run"], 0), (["link", a, "attacks", "gone"], 1)):
        result = CliRunner().invoke(cli, ["--kb", str(root), *args])
        assert result.exit_code == code, result.output
        assert (root / cache.CACHE_FILE).read_bytes() == damaged
    result = CliRunner().invoke(cli, ["--kb", str(root), "link", a, "attacks", b])
    assert result.exit_code == 0, result.output
    opened = cache.open_cache(root)
    store.load(root, cache=opened)
    assert (opened.hits, opened.misses) == (119, 1)
    opened.close()
