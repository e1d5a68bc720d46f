"""The cache beside the knowledge base (kb/data/cache.py): it must never change an answer.

Every test compares what a command says with the cache against what it says
without it, after edits the cache must notice (including a same-size edit in
the same timestamp tick), and with caches that are corrupt, foreign, locked,
unwritable or links.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from conftest import REPO, copied, synth
from kb.data import cache, compiled
from kb.analysis import duplicates
from kb.rules import validate
from kb.cli import cli

def check(root: Path, use: bool):
    result = validate.check(root, cache=use)
    return result.problems, {k: v.model_dump() for k, v in result.kb.nodes.items()}, result.kb.files


def same_with_and_without(root: Path) -> None:
    assert check(root, True) == check(root, False)


def hits(root: Path) -> tuple[int, int]:
    opened = cache.Cache.open(root)
    assert opened is not None
    try:
        from kb.data import store

        store.load(root, cache=opened)
        return opened.hits, opened.misses
    finally:
        opened.close()


@pytest.fixture
def kb(synthetic_map, tmp_path: Path) -> Path:
    return copied(synthetic_map(120, 7), tmp_path)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_real_map_gives_the_same_answers(tmp_path):
    root = tmp_path / "claims"
    shutil.copytree(REPO / "claims", root, ignore=shutil.ignore_patterns(".kb-cache*", ".kb.lock"))
    commands = [["check", "--format", "json"], ["show", "interp-is-among-best-bets", "--format", "json"],
                ["list", "--format", "json"], ["stats", "--format", "json"], ["search", "probe", "--format", "json"]]
    without = [run("--kb", str(root), "--no-cache", *command) for command in commands]
    assert not (root / cache.CACHE_FILE).exists(), "--no-cache must not write a cache"
    cold = [run("--kb", str(root), *command) for command in commands]
    warm = [run("--kb", str(root), *command) for command in commands]
    assert without == cold == warm
    assert all(code == 0 for code, _ in without)
    assert hits(root) == (len(list(root.rglob("*.yaml"))) - 2, 0)


def _restance(text: str) -> str:
    """A node file with its first recorded credence changed (or one recorded, when it has none)."""
    if "\nstances:" not in text:
        return text + "stances:\n  person-1: 0.91\n"
    if "credence: " in text:
        return re.sub(r"credence: [0-9.]+", "credence: 0.07", text, count=1)
    return re.sub(r"(\nstances:\n  [\w-]+: )[0-9.]+", r"\g<1>0.07", text, count=1)


def _edit(rng: random.Random, root: Path) -> str:
    files = sorted(p for p in root.rglob("*.yaml") if p.name not in ("people.yaml", "sources.yaml"))
    path = rng.choice(files)
    op = rng.choice(["same-size", "title", "break", "rename", "delete", "add", "interrupted", "unlink-target",
                     "stance", "weight"])
    text = path.read_text()
    if op == "same-size":
        # One character for another, written in place with the old modification time put back.
        info = os.stat(path)
        at = text.index("title: ") + 8
        with open(path, "r+", encoding="utf-8") as handle:
            handle.write(text[:at] + ("Q" if text[at] != "Q" else "R") + text[at + 1:])
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    elif op == "title":
        path.write_text(text.replace("title: ", "title: Edited ", 1))
    elif op == "break":
        path.write_text(text.replace("kind: ", "kind: [", 1))
    elif op == "rename":
        path.rename(path.with_name("renamed-" + path.name))
    elif op == "delete":
        path.unlink()
    elif op == "add":
        (path.parent / f"extra-{rng.randrange(10**6)}.yaml").write_text(text.replace("title: ", "title: Copy ", 1))
    elif op == "interrupted":
        # A writer killed half-way: its temporary file left beside a truncated node file.
        (path.parent / f".{path.name}.kbtmp-abcdefgh.tmp").write_text(text)
        path.write_text(text[: len(text) // 2])
    elif op == "stance":  # what a perspective's analysis reads, and nothing else: the kept analysis must go
        path.write_text(_restance(text))
    elif op == "weight":
        path.write_text(re.sub(r"weight: [0-9.]+", "weight: 0.13", text, count=1) if "weight: " in text
                        else text.replace("title: ", "title: Weightless ", 1))
    elif op == "unlink-target":
        path.write_text(text.replace("supports:\n", "supports:\n- no-such-node\n", 1) if "supports:\n" in text
                        else text + "restates: [no-such-node]\n")
    return op


def test_random_edits_renames_deletions_and_interrupted_writes(kb):
    rng = random.Random(11)
    same_with_and_without(kb)
    seen = set()
    for _ in range(8):
        for _ in range(rng.randint(1, 3)):
            seen.add(_edit(rng, kb))
        same_with_and_without(kb)
    assert len(seen) >= 6
    with_cache = validate.check(kb, cache=True)
    assert any(p.severity == "error" and p.line > 1 for p in with_cache.problems), "errors keep their line"


def test_same_size_edit_in_the_same_tick_is_seen_without_ctime(kb, monkeypatch):
    """On a file system whose change time and inode say nothing, the content hash still catches it."""
    real = cache._key
    monkeypatch.setattr(cache, "_key", lambda path: None if real(path) is None else (*real(path)[:2], 0, 0))
    path = next(kb.rglob("n000005.yaml"))
    text = path.read_text()
    path.write_text(text)  # just saved: its modification time is within the racy window
    validate.check(kb, cache=True)
    info = os.stat(path)
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text.replace("kind: ", "kind: X", 1)[: len(text)])
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size
    problems = validate.check(kb, cache=True).problems
    assert [p.code for p in problems if p.path.endswith("n000005.yaml")] == ["invalid-value"]
    assert problems == validate.check(kb, cache=False).problems


def test_unchanged_files_are_not_parsed_again(kb):
    validate.check(kb, cache=True)
    files = len(list(kb.rglob("*.yaml"))) - 2
    assert hits(kb) == (files, 0)
    next(kb.rglob("n000003.yaml")).write_text(next(kb.rglob("n000003.yaml")).read_text() + "note: changed\n")
    assert hits(kb) == (files - 1, 1)


def test_display_paths_follow_the_working_folder(kb, monkeypatch):
    broken = next(kb.rglob("n000001.yaml"))
    broken.write_text("kind: [\n")
    validate.check(kb, cache=True)
    monkeypatch.chdir(kb)
    here = validate.check(Path("."), cache=True).problems
    assert here == validate.check(Path("."), cache=False).problems
    assert Path(here[0].path).resolve() == broken.resolve() and here[0].line == 2


def test_corrupt_cache_is_rebuilt(kb):
    (kb / cache.CACHE_FILE).write_bytes(b"not a database at all" * 100)
    same_with_and_without(kb)
    assert (kb / cache.CACHE_FILE).read_bytes().startswith(b"SQLite format 3")
    assert hits(kb)[1] == 0


def test_damaged_rows_are_misses(kb):
    validate.check(kb, cache=True)
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        conn.execute("UPDATE files SET value = '{not json'")
        conn.execute("UPDATE blobs SET value = '[1, 2]'")
    same_with_and_without(kb)


def test_foreign_version_is_rebuilt(kb):
    validate.check(kb, cache=True)
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        conn.execute("UPDATE meta SET value = 'kb-cache 999' WHERE key = 'header'")
        conn.execute("UPDATE files SET value = '{\"data\": {\"kind\": \"forged\"}}'")
    same_with_and_without(kb)
    files = len(list(kb.rglob("*.yaml"))) - 2
    assert hits(kb) == (files, 0)


def test_locked_cache_is_bypassed(kb):
    validate.check(kb, cache=True)
    next(kb.rglob("n000002.yaml")).write_text("kind: [\n")
    holder = sqlite3.connect(kb / cache.CACHE_FILE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing
    try:
        same_with_and_without(kb)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    same_with_and_without(kb)


def test_unopenable_cache_is_bypassed(kb, monkeypatch):
    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(cache.sqlite3, "connect", refuse)
    assert cache.Cache.open(kb) is None
    same_with_and_without(kb)
    assert not (kb / cache.CACHE_FILE).exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_bypassed(kb):
    os.chmod(kb, 0o555)
    try:
        same_with_and_without(kb)
    finally:
        os.chmod(kb, 0o755)


def test_cache_that_is_a_link_is_neither_used_nor_written(kb, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("keep")
    os.symlink(elsewhere, kb / cache.CACHE_FILE)
    same_with_and_without(kb)
    assert elsewhere.read_text() == "keep"


def test_clear_and_no_cache(kb):
    assert run("--kb", str(kb), "--no-cache", "check")[0] == 0
    assert not (kb / cache.CACHE_FILE).exists()
    assert run("--kb", str(kb), "check")[0] == 0
    assert (kb / cache.CACHE_FILE).exists()
    code, out = run("--kb", str(kb), "cache", "clear")
    assert code == 0 and "removed" in out
    assert not any(p.name.startswith(cache.CACHE_FILE) for p in kb.iterdir())
    assert run("--kb", str(kb), "cache", "clear")[1].startswith("no cache")


def test_editing_commands_keep_answers_current(kb):
    run("--kb", str(kb), "check")
    code, out = run("--kb", str(kb), "set", "n000004", "--title", "A title set by kb set")
    assert code == 0, out
    assert json.loads(run("--kb", str(kb), "show", "n000004", "--format", "json")[1])["title"] == "A title set by kb set"
    same_with_and_without(kb)


WORKER = """
import sys
from pathlib import Path
from kb.rules import validate
root = Path(sys.argv[1])
for _ in range(8):
    result = validate.check(root, cache=True)
    assert result.kb.files > 100
print("ok")
"""


def test_concurrent_readers_and_writers(kb):
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(kb)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    rng = random.Random(5)
    for _ in range(6):
        path = rng.choice(sorted(kb.rglob("n0000*.yaml")))
        path.write_text(path.read_text().replace("title: ", "title: Again ", 1))
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "ok", err
    same_with_and_without(kb)


def test_duplicate_index_kept_between_runs_finds_what_a_full_comparison_finds():
    rng = random.Random(3)
    words = "alpha beta gamma delta epsilon zeta eta theta".split()

    class Node:
        def __init__(self, title, quote, targets=()):
            self.title, self._targets = title, list(targets)
            self.source = type("S", (), {"quote": quote})()

        def targets(self):
            return self._targets

    def title():
        return " ".join(rng.choice(words) for _ in range(4))

    nodes = {f"n{i}": Node(title(), title() * 2) for i in range(40)}
    index = None
    for turn in range(25):
        index = duplicates.index(nodes, index)
        if turn % 2:  # as kept between runs
            index = duplicates.Index.from_json(json.loads(json.dumps(index.to_json())))
        assert duplicates.find(nodes, known=index) == duplicates.find(nodes)
        assert duplicates.find(nodes, ["n3"], known=index) == duplicates.find(nodes, ["n3"])
        victim = rng.choice(sorted(nodes))
        action = rng.random()
        if action < 0.2:
            del nodes[victim]
        elif action < 0.5:
            nodes[f"m{rng.randrange(1000)}"] = Node(title(), None, [victim])
        else:
            nodes[victim] = Node(title(), title() * 2, [rng.choice(sorted(nodes))])
    assert any(duplicates.find(nodes)), "the test needs duplicates to compare"


def test_a_kept_duplicate_index_processes_only_changed_titles_and_quotes(monkeypatch):
    class Node:
        def __init__(self, title, quote):
            self.title, self.source = title, type("S", (), {"quote": quote})()

        def targets(self):
            return []

    quote = "a quote long enough to be compared with the others"
    nodes = {f"n{i}": Node(f"Title number {i} of the map", f"{quote} {i}") for i in range(30)}
    index = duplicates.Index.from_json(json.loads(json.dumps(duplicates.index(nodes).to_json())))
    nodes["n7"] = Node("An edited title", quote + " edited")
    processed = []
    real = duplicates.fold
    monkeypatch.setattr(duplicates, "fold", lambda text: processed.append(text) or real(text))
    again = duplicates.index(nodes, index)
    assert processed == [quote + " edited"]
    assert again == duplicates.index(nodes)
    assert again.values["title"]["n7"] == "an edited title"


def test_a_duplicate_index_kept_by_other_code_is_not_reused(kb, monkeypatch):
    validate.check(kb, cache=True)
    opened = cache.Cache.open(kb)
    try:
        kept = opened.get_blob("duplicates")
        index = duplicates.Index.from_json(kept["index"])
        some = sorted(index.values["title"])[0]
        index.values["title"][some] = "a value the code never made"  # what another version might have kept
        opened.put_blob("duplicates", {"by": kept["by"], "index": index.to_json()})
    finally:
        opened.close()
    reused = []
    real = duplicates.index
    monkeypatch.setattr(duplicates, "index", lambda nodes, previous, parallel: reused.append(previous) or real(
        nodes, previous, parallel))
    validate.check(kb, cache=True)
    assert reused[-1] is not None and reused[-1].values["title"][some] == "a value the code never made"
    monkeypatch.setattr(compiled, "code_hash", lambda: "another version")
    monkeypatch.setattr(validate, "code_hash", lambda: "another version")
    validate.check(kb, cache=True)
    assert reused[-1] is None


# --- the second level: the compiled graph, analyses and kb check's problems, kept by digest ---------


def _outputs(root: Path, *flags: str, only: int | None = None, cruxes: bool = False) -> list[tuple[int, str]]:
    first = sorted(p.stem for p in root.rglob("n0*.yaml"))[0]
    commands = [["check", "--format", "json"], ["check", "--strict"], ["show", first, "--format", "json"],
                ["show", first, "--as", "person-1", "--semantics", "dfquad"], ["search", "interpretability"],
                ["list", "--format", "json"], ["stats", "--format", "json"]]
    if cruxes:  # seconds on a cyclic map, whatever the cache: once is enough
        commands.append(["cruxes", first, "--format", "json"])
    return [run("--kb", str(root), *flags, *command) for command in commands[:only]]


def _kb_digest(root: Path) -> str | None:
    opened = cache.Cache.open(root)
    try:
        return compiled.digest(root, opened)
    finally:
        opened.close()


def _blobs(root: Path) -> set[str]:
    with sqlite3.connect(root / cache.CACHE_FILE) as conn:
        return {key.split(":")[0] for (key,) in conn.execute("SELECT key FROM blobs")}


def test_commands_answer_alike_with_and_without_the_compiled_cache_after_random_edits(kb):
    rng = random.Random(23)
    assert _outputs(kb, "--no-cache", cruxes=True) == _outputs(kb) + [_outputs(kb, cruxes=True)[-1]]
    assert {"graph", "analysis", "check", "rows"} <= _blobs(kb), "the second run must have read what the first stored"
    for _ in range(2):
        for _ in range(rng.randint(1, 3)):
            _edit(rng, kb)
        assert _outputs(kb) == _outputs(kb, "--no-cache")


def test_stored_answers_are_the_ones_read_back(kb, monkeypatch):
    """A warm command must take the graph and the analysis from the cache, not recompute them."""
    from kb.analysis import graph, queries, textsearch

    before = _outputs(kb)
    monkeypatch.setattr(graph, "build", lambda *a, **k: pytest.fail("the graph was built again"))
    monkeypatch.setattr(queries, "analyse", lambda *a, **k: pytest.fail("the analysis was computed again"))
    monkeypatch.setattr(validate, "gather", lambda *a, **k: pytest.fail("the map was checked again"))
    monkeypatch.setattr(queries, "list_nodes", lambda *a, **k: pytest.fail("the list was made again"))
    monkeypatch.setattr(queries, "stats", lambda *a, **k: pytest.fail("the counts were made again"))
    monkeypatch.setattr(textsearch, "search", lambda *a, **k: pytest.fail("the search was made again"))
    monkeypatch.setattr(compiled, "view_from_json", lambda *a: pytest.fail("the graph was decoded for a kept answer"))
    assert _outputs(kb) == before  # search, list and stats answers read back whole


def test_digest_follows_the_data_not_the_layout(kb):
    path = next(kb.rglob("n000007.yaml"))
    first = _kb_digest(kb)
    assert first is not None and _kb_digest(kb) == first
    path.write_text("# a comment, and the same data\n" + path.read_text())
    assert _kb_digest(kb) == first
    path.write_text(path.read_text().replace("title: ", "title: Changed ", 1))
    assert _kb_digest(kb) != first
    (kb / "people.yaml").write_text((kb / "people.yaml").read_text() + "\n# only a comment\n")
    changed = _kb_digest(kb)
    assert changed != first, "registries count byte for byte"
    path.rename(path.with_name("n999999.yaml"))
    assert _kb_digest(kb) != changed


def test_problems_read_from_the_cache_are_located_in_the_file_as_it_is(kb):
    path = next(kb.rglob("n000009.yaml"))
    assert "restates:" not in path.read_text()
    path.write_text(path.read_text() + "restates: [no-such-node]\n")

    def line() -> int:
        found = compiled.check(kb).problems
        assert found == validate.check(kb).problems
        return next(p.line for p in found if p.code == "unknown-target" and p.path.endswith("n000009.yaml"))

    first = line()
    path.write_text("# one\n# two\n" + path.read_text())  # the same data, two lines lower
    assert line() == first + 2


def test_compiled_graph_round_trips_exactly():
    from kb.analysis import graph
    from kb.data import store

    for root in (REPO / "claims",):
        G = graph.build(store.load(root)[0])
        H = compiled.graph_from_json(json.loads(json.dumps(compiled.graph_to_json(G))))

        def shape(G):
            return (list(G.nodes(data=True)), [(u, list(G.succ[u].items())) for u in G],
                    [(v, list(G.pred[v].items())) for v in G], G.graph)

        assert shape(H) == shape(G)
        assert any(d.get("via") for *_, d in H.edges(data=True)) and any(d.get("linked") for *_, d in H.edges(data=True))
        assert all(type(d.get("via", ())) is tuple and type(d.get("linked", ())) is tuple for *_, d in H.edges(data=True))


def test_edge_order_keeps_every_predecessor_order():
    import networkx as nx

    rng = random.Random(4)
    for _ in range(20):
        G = nx.DiGraph()
        G.add_nodes_from(range(8))
        for _ in range(20):
            u, v = rng.sample(range(8), 2)
            G.add_edge(u, v)
        H = nx.DiGraph()
        H.add_nodes_from(G)
        H.add_edges_from(compiled._edge_order(G))
        assert [list(H.pred[v]) for v in H] == [list(G.pred[v]) for v in G]
        assert [list(H.succ[v]) for v in H] == [list(G.succ[v]) for v in G]


def _edited_while_loading(kb: Path, monkeypatch) -> tuple[Path, str, Callable[[], None]]:
    """Make every whole load edit n000011's title first (after the digest was taken): the file, its text
    before, and what stops it."""
    from kb.data import store

    path = next(kb.rglob("n000011.yaml"))
    original = path.read_text()
    real = store.load

    def edit_then_load(*args, **kwargs):
        path.write_text(original.replace("title: ", "title: Meanwhile ", 1))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "load", edit_then_load)
    return path, original, lambda: monkeypatch.setattr(store, "load", real)


def test_a_result_computed_while_a_file_changes_is_not_kept(kb, monkeypatch):
    """Kept under the digest taken before the edit, it would be read back once the edit is undone."""
    path, original, stop = _edited_while_loading(kb, monkeypatch)
    assert compiled.load(kb).graph.nodes["n000011"]["title"].startswith("Meanwhile")
    assert compiled.check(kb) is not None
    stop()
    path.write_text(original)
    assert not compiled.load(kb).graph.nodes["n000011"]["title"].startswith("Meanwhile")
    assert compiled.check(kb).problems == validate.check(kb).problems


def _kept_answer(root: Path, digest: str, question: str):
    opened = cache.open_cache(root)
    try:
        return opened.get_blob(compiled._answer_key(digest, question))
    finally:
        opened.close()


def test_an_answer_is_kept_under_the_digest_only_when_its_graph_is_that_digest_s(kb, monkeypatch):
    """A graph compiled while a file changed is not the map its digest was taken of: an answer from it is not
    kept. One read back from the cache is, whatever the files are now: its answer is kept without a look."""
    from kb.analysis.graphview import GraphView

    path, original, stop = _edited_while_loading(kb, monkeypatch)
    raced = compiled.load(kb)
    stop()
    raced.remember("question", ["from a graph with the edit"])
    assert _kept_answer(kb, raced.digest, "question") is None
    path.write_text(original)
    compiled.load(kb)  # compiled and kept
    read = compiled.load(kb)
    assert read.settled and isinstance(read.view, GraphView)  # read back, not compiled
    other = next(kb.rglob("n000012.yaml"))
    other.write_text(other.read_text().replace("title: ", "title: Later ", 1))
    read.remember("question", ["from the graph kept"])
    assert _kept_answer(kb, read.digest, "question") == ["from the graph kept"]


def _kept_analysis(root: Path, near: compiled.Compiled, perspective: str, method: str):
    opened = cache.open_cache(root)
    try:
        return opened.get_blob(f"analysis:{near.structure}:{method}:1:{perspective}")
    finally:
        opened.close()


@pytest.mark.parametrize("whole_kept", [True, False])
def test_a_one_node_question_keeps_an_analysis_only_of_the_map_its_digest_was_taken_of(kb, whole_kept):
    """Solved on the whole map kept under the same digest, an analysis is kept though a file changed since;
    solved on the map read again from changed files, it is not (its numbers are another map's)."""
    import sqlite3

    compiled.load(kb)
    near = compiled.load(kb, around="n000003")
    assert near.partial
    if not whole_kept:  # nothing kept under the digest: the whole map is read from the files again
        with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
            conn.execute("DELETE FROM blobs WHERE key LIKE 'graph:%'")
    path = next(kb.rglob("n000012.yaml"))  # a stance changes: other strengths from person-1's perspective
    text = path.read_text()
    path.write_text(text.replace("stances:\n", "stances:\n  person-1: 0.93\n", 1) if "stances:\n" in text
                    else text + "stances:\n  person-1: 0.93\n")
    assert compiled.load(kb, cache=False).ok
    near.analysis("person-1", "dfquad")
    assert (_kept_analysis(kb, near, "person-1", "dfquad") is not None) == whole_kept


def test_damaged_compiled_results_are_recomputed(kb):
    before = _outputs(kb)
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        for key, value in conn.execute("SELECT key, value FROM blobs").fetchall():
            data = json.loads(value)
            if key.startswith("graph:"):
                data["graph"]["edges"].append(["n000001", "no-such-node"])  # an edge to a node it does not have
                data["graph"]["edge_shape"].append(0)
                data["graph"]["edge_values"].append(data["graph"]["edge_values"][0])
            elif key.startswith("analysis:"):
                data["labels"] = {"n000001": "MAYBE"}
            elif key.startswith("check:"):
                data["problems"] = [["x"]]
            elif key.startswith("answer:"):
                data = {"hits": 3} if ":search:" in key else "a damaged answer"
            elif key.startswith(compiled.ROWS + "analysis:") and key.endswith(":shared"):
                data["count"] = "many"
            elif key.startswith(compiled.ROWS + "analysis:"):
                data = [0.5, "neutral", 0.5, "MAYBE", False]  # a label no semantics gives
            elif key.startswith(compiled.ROWS) and ":e:" in key:
                data = [["x"]]  # a node's edges that are not [in, out]
            elif key.startswith(compiled.ROWS) and ":a:" in key:
                data = 5  # attributes that are not a mapping
            conn.execute("UPDATE blobs SET value = ? WHERE key = ?", (json.dumps(data), key))
    assert {"answer:", "graph:", "analysis:", "check:"} <= {k.split(":")[0] + ":" for k in _keys(kb)}
    assert _outputs(kb) == before


def _age(root: Path, seconds: float = 3600) -> None:
    """Give every file a modification time long past, so that the cache trusts their times."""
    when = os.stat(root).st_mtime - seconds
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith(".kb-cache"):
            os.utime(path, (when, when))


def test_an_unchanged_map_reads_its_digest_back_without_hashing_a_file(kb, monkeypatch):
    _age(kb)
    first = _kb_digest(kb)
    assert first is not None and "state" in _blobs(kb)

    def refuse(*args, **kwargs):
        raise AssertionError("every file is as it was: nothing should be hashed or parsed")

    monkeypatch.setattr(cache.Cache, "hashes", refuse)
    scanned: list = []
    opened = cache.Cache.open(kb)
    try:
        assert compiled.digest(kb, opened, scanned=scanned) == first
    finally:
        opened.close()
    assert compiled._unchanged(kb, scanned)  # what a caller compares before storing a result
    saved = next(kb.rglob("n000005.yaml"))
    saved.write_text(saved.read_text() + "# saved again meanwhile\n")
    assert not compiled._unchanged(kb, scanned)  # a result computed from the files as they were is not stored
    assert sorted(Path(p).name for p in scanned[3]) == sorted(p.name for p in kb.rglob("n*.yaml"))
    monkeypatch.undo()
    # A real edit, its times set back as far: the size and the change time differ, so the digest is taken again.
    path = next(kb.rglob("n000007.yaml"))
    path.write_text(path.read_text().replace("title: ", "title: Changed ", 1))
    _age(kb)
    edited = _kb_digest(kb)
    assert edited not in (None, first)
    (kb / cache.CACHE_FILE).unlink()
    assert _kb_digest(kb) == edited  # the same digest a cache that never saw the first state takes


def test_a_file_modified_just_now_is_never_taken_on_its_times(kb, monkeypatch):
    _age(kb)
    first = _kb_digest(kb)
    path = next(kb.rglob("n000011.yaml"))
    path.write_text(path.read_text() + "# a comment: the same data\n")  # modified now: its times are not trusted
    calls = []
    hashes = cache.Cache.hashes

    def counted(self, *args, **kwargs):
        calls.append(1)
        return hashes(self, *args, **kwargs)

    monkeypatch.setattr(cache.Cache, "hashes", counted)
    assert _kb_digest(kb) == first  # same data, same digest, found by hashing
    assert calls
    calls.clear()
    assert _kb_digest(kb) == first
    assert calls  # its state unchanged since, but still too recent to be trusted: looked up again


@pytest.mark.parametrize("which", ["real", "synthetic"])
def test_a_question_about_one_node_reads_its_neighbourhood_and_answers_as_the_whole_graph(which, kb, tmp_path,
                                                                                         monkeypatch):
    """kb show reads one node's rows (its edges and neighbours), not the whole graph: the same answer for every node."""
    from kb.analysis import queries

    root = kb
    if which == "real":
        root = tmp_path / "real" / "claims"
        shutil.copytree(REPO / "claims", root, ignore=shutil.ignore_patterns(".kb-cache*", ".kb.lock"))
    whole = compiled.load(root)  # computes, and stores the graph and its rows
    assert not whole.partial and whole.view is not None
    perspectives = ("neutral", sorted(whole.view.graph["people"])[1])
    full = {p: whole.analysis(p, "drqe") for p in perspectives}
    # From here on, the whole graph and the whole analysis must not be read.
    monkeypatch.setattr(compiled, "view_from_json", lambda *a: pytest.fail("the whole graph was decoded"))
    monkeypatch.setattr(queries.Analysis, "from_json", lambda *a: pytest.fail("the whole analysis was decoded"))
    for n in whole.view:
        near = compiled.load(root, around=n)
        assert near.partial and n in near.view and near.count == len(whole.view)
        assert len(near.view) == 1 + len(set(whole.view.pred[n]) | set(whole.view.succ[n]) - {n})
        for p in perspectives:
            got = queries.show(near.view, n, perspective=p, analysis=lambda: near.analysis(p, "drqe"))
            assert got == queries.show(whole.view, n, perspective=p, analysis=lambda: full[p]), n
    monkeypatch.undo()
    unknown = compiled.load(root, around="no-such-node")
    assert not unknown.partial and len(unknown.view) == len(whole.view)  # the whole map, to suggest ids from
    near = compiled.load(root, around=next(iter(whole.view)))
    assert list(near.graph.nodes) == list(whole.graph.nodes)  # a whole-map question from a partial load


def test_a_neighbourhood_answer_never_computes_on_a_partial_graph(kb, monkeypatch):
    """An analysis missing from the cache is computed on the whole graph, never on the few nodes read."""
    from kb.analysis import queries

    whole = compiled.load(kb)
    n = max(whole.view, key=lambda x: len(whole.view.pred[x]) + len(whole.view.succ[x]))
    expected = queries.show(whole.view, n, analysis=lambda: whole.analysis("neutral", "drqe"))
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        conn.execute("DELETE FROM blobs WHERE key LIKE 'analysis:%' OR key LIKE 'rows:analysis:%'")
    near = compiled.load(kb, around=n)
    assert near.partial
    analysed = []
    real = queries.analyse
    monkeypatch.setattr(queries, "analyse", lambda G, *a, **k: analysed.append(len(G)) or real(G, *a, **k))
    assert queries.show(near.view, n, analysis=lambda: near.analysis("neutral", "drqe")) == expected
    assert analysed == [len(whole.view)]


def test_an_analysis_split_into_rows_reads_back_for_any_nodes():
    from kb.analysis.queries import Analysis
    from kb.analysis.semantics import Label, Prior, Strengths

    whole = Analysis({"a": Prior(0.25, "recorded"), "b": Prior(0.5, "neutral"), "c": Prior(0.7, "implied")},
                     Strengths({"a": 0.3, "b": 0.1 + 0.2, "c": 0.9}, "drqe", False, 40, 1, 1e-3, frozenset({"b"})),
                     {"a": Label.IN, "b": Label.UNDEC, "c": Label.OUT})
    shared, rows = json.loads(json.dumps(whole.to_rows()))
    assert shared["count"] == 3
    part = Analysis.from_rows(shared, {n: rows[n] for n in ("b", "c")})
    assert part.priors == {n: whole.priors[n] for n in ("b", "c")}
    assert part.strengths.values == {"b": 0.1 + 0.2, "c": 0.9}  # floats exactly
    assert part.strengths.unconverged == {"b"} and not part.strengths.final("b") and part.strengths.final("c")
    assert (part.strengths.method, part.strengths.converged, part.strengths.iterations,
            part.strengths.cyclic_components, part.strengths.residual) == ("drqe", False, 40, 1, 1e-3)
    assert part.labels == {"b": Label.UNDEC, "c": Label.OUT}
    assert Analysis.from_rows(shared, {"a": [0.25, "recorded", 0.3, "MAYBE", False]}) is None
    assert Analysis.from_rows(shared, {"a": [0.25, "recorded", 0.3, "IN", "no"]}) is None
    assert Analysis.from_rows({"method": "drqe"}, {"a": rows["a"]}) is None


def test_a_map_broken_between_reading_the_rows_and_analysing_is_an_error_not_a_traceback(kb):
    from kb.analysis import queries
    from kb.data.errors import KBError

    whole = compiled.load(kb)
    n = next(iter(whole.view))
    near, again, last = (compiled.load(kb, around=n) for _ in range(3))
    assert near.partial and again.partial and last.partial
    before = queries.analyse(whole.graph, "neutral", "drqe")
    unkeep = "DELETE FROM blobs WHERE key LIKE 'analysis:%' OR key LIKE 'rows:analysis:%'"
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:  # the analysis is not kept: it must be computed
        conn.execute(unkeep)
    next(kb.rglob("n000003.yaml")).write_text("kind: claim\n")  # meanwhile, another editor breaks a file
    # The graph kept under the digest the rows were read under answers for the map as it was read, and
    # that analysis is kept: it is the one of the map the digest was taken of.
    assert near.analysis("neutral", "drqe").strengths == before.strengths
    kept = again.analysis("neutral", "drqe").strengths  # read back: the neighbourhood's rows
    assert [kept[m] for m in again.view] == [before.strengths[m] for m in again.view]
    # Once nothing is kept under that digest, the map is read again, and its error stops the command.
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        conn.execute("DELETE FROM blobs WHERE key LIKE 'graph:%'")
        conn.execute(unkeep)
    with pytest.raises(KBError, match="changed while kb read it"):
        last.analysis("neutral", "drqe")


def test_kept_list_and_search_answers_are_kept_per_question_and_a_bad_filter_is_never_kept(kb):
    def ask(*args: str, cache: bool = True) -> tuple[int, str]:
        return run("--kb", str(kb), *([] if cache else ["--no-cache"]), "list", *args)

    for args in (("--speaker", "person-1"), ("--kind", "claim"), ("--speaker", "person-2", "--kind", "claim"), ()):
        fresh = ask(*args, cache=False)
        assert fresh[0] == 0 and ask(*args) == fresh and ask(*args) == fresh  # computed and kept, then read back
    assert len({key for key in _keys(kb) if key.startswith("answer:")}) == 4
    for words in (("interpretability",), ("interpretability", "--limit", "3"), ("trains zebras",), ("n00001",)):
        fresh = run("--kb", str(kb), "--no-cache", "search", *words)
        assert run("--kb", str(kb), "search", *words) == fresh == run("--kb", str(kb), "search", *words)
    assert len({key for key in _keys(kb) if key.startswith("answer:")}) == 8
    for _ in range(2):
        code, output = ask("--speaker", "persn-1")
        assert code != 0 and "person-1" in output  # a typo: an error with the id it may have meant, every time


def _keys(root: Path) -> set[str]:
    with sqlite3.connect(root / cache.CACHE_FILE) as conn:
        return {key for (key,) in conn.execute("SELECT key FROM blobs")}


def test_a_few_changed_files_are_looked_up_instead_of_writing_the_state_again(kb, monkeypatch):
    """Writing the whole state record costs more than looking a few files up: it waits until many differ."""
    _age(kb)
    first = _kb_digest(kb)

    def state() -> str:
        with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
            return conn.execute("SELECT value FROM blobs WHERE key = ?", (compiled.STATE_KEY,)).fetchone()[0]

    kept = state()
    files = sorted(kb.rglob("n0*.yaml"))
    files[0].write_text(files[0].read_text() + "# the same data\n")
    when = os.stat(files[1]).st_mtime
    os.utime(files[0], (when, when))  # old enough to be trusted; no other file touched
    assert _kb_digest(kb) == first and state() == kept  # found by a lookup; the record left as it was
    looked_up = []
    hashes = cache.Cache.hashes
    monkeypatch.setattr(cache.Cache, "hashes", lambda self, items, *a, **k: looked_up.append(len(items))
                        or hashes(self, items, *a, **k))
    assert _kb_digest(kb) == first and looked_up == [1]  # the one file, again; the rest on their times
    monkeypatch.setattr(compiled, "rewrite_limit", lambda files: 0)
    assert _kb_digest(kb) == first and state() != kept  # past the limit, the record is written again
    looked_up.clear()
    assert _kb_digest(kb) == first and looked_up == []



def test_analyses_are_kept_under_what_they_read_so_a_title_edit_keeps_them(kb, monkeypatch):
    from kb.analysis import queries

    first = compiled.load(kb)
    first.analysis("person-1", "drqe")
    path = next(kb.rglob("n000004.yaml"))
    path.write_text(path.read_text().replace("title: ", "title: Retitled ", 1))
    after = compiled.load(kb)
    assert after.digest != first.digest and after.structure == first.structure
    monkeypatch.setattr(queries, "analyse", lambda *a, **k: pytest.fail("a title edit recomputed the analysis"))
    kept = after.analysis("person-1", "drqe")
    monkeypatch.undo()
    assert kept == queries.analyse(after.graph, "person-1", "drqe")
    # Anything the analyses read makes the key new.
    speaker = re.search(r"speaker: (\S+)", path.read_text())[1]
    other = "person-2" if speaker != "person-2" else "person-3"
    for change in (_restance, lambda t: t.replace(f"speaker: {speaker}", f"speaker: {other}", 1)):
        path.write_text(change(path.read_text()))
        again = compiled.load(kb)
        assert again.ok, again.problems
        assert again.structure != after.structure, path.read_text()
        assert again.analysis("person-1", "drqe") == queries.analyse(again.graph, "person-1", "drqe")
        after = again


def test_the_structure_key_follows_every_input_of_the_analyses_and_no_text():
    from kb.analysis import graph

    def key(edges, **node_attrs):
        G = graph.from_edges(edges, nodes=["a", "b", "c"])
        for n, attrs in node_attrs.items():
            G.nodes[n].update(attrs)
        return compiled.structure_key(G)

    base = [("a", "b", "supports"), ("c", "b", "attacks")]
    plain = key(base)
    assert key(base, a={"title": "x", "text": "y", "quote": "z", "note": "n"}) == plain
    for changed in (key([("a", "b", "supports"), ("c", "b", "supports")]),      # a relation
                    key([("a", "b", "supports", 0.5), ("c", "b", "attacks")]),  # a weight
                    key([("c", "b", "attacks"), ("a", "b", "supports")]),       # the predecessors' order
                    key(base[:1]),                                              # an edge fewer
                    key(base, a={"stances": {"p": 0.2}}),                       # a credence
                    key(base, a={"speaker": "p"}),                              # a speaker
                    key(base, a={"kind": "evidence"})):                         # a kind
        assert changed != plain


def test_exact_data_is_told_apart_at_every_depth_and_in_flat_lists_alike():
    """What the cache stores must read back equal: NaN, infinities, 65-bit integers, tuples and keys that are
    not text are refused, whether they sit in a flat list or mapping (tested at C speed) or deeper."""
    nan, inf = float("nan"), float("inf")
    for good in ([1.0, "a", True, None, 3], {"a": 0.5, "b": "x"}, [[1, [2, {"x": 1.5}]]], [True, (1 << 63) - 1], []):
        assert cache.exact(good), good
    for bad in ([nan], {"a": inf}, [1 << 64], {"a": -(1 << 63) - 1}, (1,), {"a": [1, (2,)]}, {1: 2},
                [1.0, [nan]], {"a": {"b": [1, inf]}}, [object()]):
        assert not cache.exact(bad), bad
    assert cache.exact([nan, 1 << 70], wide=True) and not cache.exact([(1,)], wide=True)


def test_crux_answers_are_kept_read_back_and_recomputed_when_damaged_or_the_map_changes(tmp_path, monkeypatch):
    from kb.analysis import cruxes

    root = tmp_path / "claims"
    shutil.copytree(REPO / "claims", root, ignore=shutil.ignore_patterns(".kb-cache*", ".kb.lock"))
    thesis = "interp-is-among-best-bets"
    commands = [["cruxes", thesis, "--format", "json"], ["cruxes", "--top", "2"],
                ["cruxes", thesis, "--as", "nanda"],
                ["cruxes", thesis, "--between", "segerie", "bushnaq", "--samples", "8"],
                ["cruxes", thesis, "--between", "segerie", "bushnaq", "--samples", "8", "--format", "json"]]

    def outputs() -> list[tuple[int, str]]:
        return [run("--kb", str(root), *command) for command in commands]

    without = [run("--kb", str(root), "--no-cache", *command) for command in commands]
    assert all(code == 0 for code, _ in without)
    assert outputs() == without  # computed, and kept

    def refuse(*args, **kwargs):
        raise AssertionError("the answer was kept: nothing should be solved")

    for name in ("cruxes", "overview", "double_cruxes"):
        monkeypatch.setattr(cruxes, name, refuse)
    assert outputs() == without  # every answer read back
    # Each kind of damage to a kept report is caught as it is read back (and so computed again,
    # which here refuses): a field missing, a flag that is text, a nested item or part of another type.
    def first(data):  # the report of one target, or the first of the theses'
        return data[0] if isinstance(data, list) else data

    def nested(report):
        return report["cruxes"] if "cruxes" in report else report["items"]

    damages = [lambda d: first(d).pop("target"),
               lambda d: first(d).update(converged="yes"),
               lambda d: nested(first(d))[0].update(id=3),
               lambda d: first(d).get("shapley", {"parts": {}})["parts"].update(x="y") if "shapley" in first(d)
               else nested(first(d))[0].update(swing=None)]
    for damage in damages:
        with sqlite3.connect(root / cache.CACHE_FILE) as conn:
            kept = [(k, v) for k, v in conn.execute("SELECT key, value FROM blobs") if ":cruxes:" in k]
            assert len(kept) == len(commands) - 1  # --format json and a table are one question
            for key, value in kept:
                data = json.loads(value)
                damage(data)
                conn.execute("UPDATE blobs SET value = ? WHERE key = ?", (json.dumps(data), key))
        for command in commands:
            code, exc = _invoke(root, command)
            assert isinstance(exc, AssertionError) and "nothing should be solved" in str(exc), (command, code, exc)
        with sqlite3.connect(root / cache.CACHE_FILE) as conn:
            for key, value in kept:
                conn.execute("UPDATE blobs SET value = ? WHERE key = ?", (value, key))
    monkeypatch.undo()
    # A changed credence changes the answer: what was kept for the old map is not read back.
    path = next(root.rglob("interp-is-among-best-bets.yaml"))
    path.write_text(path.read_text() + "\n# an edit\n")  # data unchanged: the kept answers still hold
    assert outputs() == without
    edited = _restance(path.read_text())
    path.write_text(edited)
    assert outputs() == [run("--kb", str(root), "--no-cache", *command) for command in commands] != without


def _invoke(root: Path, command: list[str]) -> tuple[int, object]:
    result = CliRunner().invoke(cli, ["--kb", str(root), *command])
    return result.exit_code, result.exception


def test_exports_are_kept_read_back_and_made_again_when_damaged_or_the_map_changes(tmp_path, monkeypatch):
    from kb.publishing.export import core

    root = tmp_path / "claims"
    shutil.copytree(REPO / "claims", root, ignore=shutil.ignore_patterns(".kb-cache*", ".kb.lock"))
    out = tmp_path / "out"
    out.mkdir()
    # Each format is made by the same path: one that writes a side file, one to standard output, and
    # the options in the question (a selection, iccma's supports).
    commands = [["export", "--format", "iccma", "-o", str(out / "map.iccma")],
                ["export", "--format", "iccma", "--supports", "ignore", "-o", str(out / "plain.iccma")],
                ["export", "--format", "json", "--select", "ancestors:interp-is-among-best-bets"]]

    def outputs(*flags: str) -> list:
        codes = [run("--kb", str(root), *flags, *command) for command in commands]
        return codes + sorted((p.name, p.read_bytes()) for p in out.iterdir())

    without = outputs("--no-cache")
    assert not (root / cache.CACHE_FILE).exists()
    assert all(code == 0 for code, _ in without[:len(commands)])
    assert any(name.endswith(".tsv") for name, _ in without[len(commands):])  # a side file, kept too
    assert outputs() == without  # made, and kept
    def refuse(*args, **kwargs):
        raise AssertionError("the export was kept: nothing should be made")

    monkeypatch.setattr(core, "export", refuse)
    assert outputs() == without  # every export read back
    with sqlite3.connect(root / cache.CACHE_FILE) as conn:
        kept = [(k, v) for k, v in conn.execute("SELECT key, value FROM blobs") if ":export:" in k]
        assert len(kept) == len(commands)
        damaged_side = False
        for i, (key, value) in enumerate(sorted(kept)):
            data = json.loads(value)
            if data["side"] and not damaged_side:  # a side file's text changed under its hash
                suffix = next(iter(data["side"]))
                data["side"][suffix]["text"] += "0\t0\n"
                damaged_side = True
            elif i % 2:  # the export's text changed under its hash
                data["text"]["text"] += "# an extra line\n"
            else:  # a side file that is not text
                data["side"] = {".ids.tsv": 3}
            conn.execute("UPDATE blobs SET value = ? WHERE key = ?", (json.dumps(data), key))
        assert damaged_side
    for command in commands:  # read back, found damaged, so made again: which here refuses
        code, exc = _invoke(root, command)
        assert isinstance(exc, AssertionError) and "nothing should be made" in str(exc), (command, code, exc)
    monkeypatch.undo()
    assert outputs() == without
    path = next(root.rglob("interp-is-among-best-bets.yaml"))
    path.write_text(path.read_text().replace("title: ", "title: Edited: ", 1))
    edited = outputs()
    assert edited == outputs("--no-cache") and edited != without


def test_compiling_pauses_the_garbage_collector_and_restores_it(kb, monkeypatch):
    """Tens of thousands of containers made while a big map is read would set off collections that rescan
    all of it (a third of `kb show` after an edit, or of an export, at 10^4 nodes): the collector waits
    while a map is checked, compiled or exported, and comes back."""
    import gc

    from kb.rules import validate as rules

    seen = []
    real = rules.gather_parts

    def watching(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "gather_parts", watching)
    assert gc.isenabled()
    assert compiled.load(kb).graph is not None
    path = next(kb.rglob("n000011.yaml"))
    path.write_text(path.read_text().replace("title: ", "title: Edited ", 1))
    assert compiled.check(kb).problems is not None
    path.write_text(path.read_text().replace("\nkind: ", "\nkind: no-such-kind\nkindx: ", 1))
    assert not compiled.load(kb).ok  # errors: returned from inside the pause
    assert seen == [False, False, False] and gc.isenabled()
    path.write_text(path.read_text().replace("kind: no-such-kind\nkindx: ", "kind: ", 1))
    from kb.publishing.export import core

    bundle = core.bundle

    def watching_bundle(*args, **kwargs):
        seen.append(gc.isenabled())
        return bundle(*args, **kwargs)

    monkeypatch.setattr(core, "bundle", watching_bundle)
    result = rules.check(kb, warnings=False)  # the library behind kb export and the site
    assert result.ok and core.export(result.kb, "json").text
    assert seen == [False] * 5 and gc.isenabled()


def test_a_long_listing_is_printed_again_from_the_text_it_printed(kb, monkeypatch):
    """At 10^5 nodes laying the lines out again costs as much as the rest: the text itself is kept, sealed."""
    from kb.analysis import queries
    from kb.cli import query

    monkeypatch.setattr(query, "RICH_ROWS", 50)  # the 120-node map's listing is then long: the same at every width

    def ask(fmt: str, *flags: str) -> tuple[int, str]:
        return run("--kb", str(kb), *flags, "list", "--format", fmt)

    fresh = {fmt: ask(fmt, "--no-cache") for fmt in ("table", "json")}
    assert fresh["table"][0] == 0 and fresh["table"][1].splitlines()[-1] == "120 nodes"
    assert {fmt: ask(fmt) for fmt in fresh} == fresh  # computed, printed and kept
    printed = sorted(key for key in _keys(kb) if ":printed:" in key)
    assert len(printed) == 2

    def refuse(*args, **kwargs):
        raise AssertionError("the listing was kept as printed: nothing is listed or decoded again")

    with monkeypatch.context() as m:
        m.setattr(queries, "list_nodes", refuse)
        m.setattr(queries.NodeList, "from_json", refuse)
        assert {fmt: ask(fmt) for fmt in fresh} == fresh
    # Damage the cache cannot see by its shape: a text changed under its hash, and a hash lost.
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        for n, key in enumerate(printed):
            data = json.loads(conn.execute("SELECT value FROM blobs WHERE key = ?", (key,)).fetchone()[0])
            if n == 0:
                data["text"] = data["text"].replace("n000001", "n999999")
            else:
                del data["sha256"]
            conn.execute("UPDATE blobs SET value = ? WHERE key = ?", (json.dumps(data), key))
    assert {fmt: ask(fmt) for fmt in fresh} == fresh
    with monkeypatch.context() as m:  # and the texts were kept again, whole
        m.setattr(queries, "list_nodes", refuse)
        m.setattr(queries.NodeList, "from_json", refuse)
        assert {fmt: ask(fmt) for fmt in fresh} == fresh


def test_a_listing_laid_out_for_the_terminal_is_not_kept_as_printed(kb, monkeypatch):
    from kb.cli import query

    monkeypatch.setattr(query, "RICH_ROWS", 1000)
    monkeypatch.setattr(query, "PLAIN_WHEN_FITS", False)  # drawn by rich, to the terminal's width
    first = run("--kb", str(kb), "list", "--speaker", "person-1")
    assert first[0] == 0 and run("--kb", str(kb), "list", "--speaker", "person-1") == first
    assert [key for key in _keys(kb) if key.startswith("answer:")] and not [
        key for key in _keys(kb) if ":printed:" in key]


def _state(root: Path) -> dict:
    with sqlite3.connect(root / cache.CACHE_FILE) as conn:
        return json.loads(conn.execute("SELECT value FROM blobs WHERE key = ?", (compiled.STATE_KEY,)).fetchone()[0])


@pytest.mark.parametrize("damage", [
    lambda s: s.update(keys=s["keys"][:-1]),  # odd hex
    lambda s: s.update(keys=s["keys"][:-16]),  # a key short
    lambda s: s.update(keys="00" * (len(s["keys"]) // 2)),  # every key wrong: every file looked up
    lambda s: s.update(count="many"),
    lambda s: s.update(index=["0", *s["index"][1:]]),
    lambda s: s.update(index=[10 ** 9, *s["index"][1:]]),
    lambda s: s.update(untrusted=[-1]),
    lambda s: s.update(displays=s["displays"].split("\0", 1)[1]),
    lambda s: s.update(values=s["values"].split("\0")),
    lambda s: s.update(names=s["names"].replace("n000001", "n000002")),
    lambda s: s.pop("untrusted"),
    lambda s: s.update(ids=["x"]),
])
def test_a_damaged_state_record_only_makes_the_digest_taken_again(kb, damage):
    _age(kb)
    first = _kb_digest(kb)
    data = _state(kb)
    damage(data)
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        conn.execute("UPDATE blobs SET value = ? WHERE key = ?", (json.dumps(data), compiled.STATE_KEY))
    assert _kb_digest(kb) == first
    (kb / cache.CACHE_FILE).unlink()
    assert _kb_digest(kb) == first


def test_differing_keys_are_found_as_comparing_each_pair_finds_them():
    from array import array

    rng = random.Random(5)
    for _ in range(200):
        n = rng.randint(0, 40)
        keys = [(rng.randint(0, 9), rng.randint(0, 2 ** 40), 7, rng.randint(0, 2 ** 64 - 1)) for _ in range(n)]
        other = [key if rng.random() < 0.8 else None if rng.random() < 0.3 else (key[0] + 1, *key[1:])
                 for key in keys]
        a, b = cache.pack(keys), cache.pack(other)
        assert len(a) == len(b) == cache.KEY_WIDTH * n
        expected = [i for i, (x, y) in enumerate(zip(keys, other)) if x != y]
        assert cache.differing(a, b, block=rng.randint(1, 6)) == expected == cache.differing(a, b)
        assert cache.pack([cache.unpack(b, j) for j in range(n)]) == b  # inodes past 2**63 read back wrapped
    big = 2 ** 64 - 5  # an inode number past a signed 64-bit integer still tells files apart
    assert cache.pack([(1, 2, 3, big), None]) == cache.pack([(1, 2, 3, big), None]) != cache.pack(
        [(1, 2, 3, big - 1), None])
    assert len(cache.pack([(1, 2, 3, big), (4, 5, 6, 7)])) == 2 * cache.KEY_WIDTH
    assert isinstance(cache.pack([]), array)


def test_packed_keys_are_the_keys_of_each_file_packed(tmp_path):
    """The fast look at every file must see what the file-by-file one sees, whatever a path names."""
    (tmp_path / "plain.yaml").write_text("kind: claim\n")
    (tmp_path / "big.yaml").write_bytes(b"x" * (cache.MAX_CACHED_BYTES + 1))
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "link.yaml").symlink_to(tmp_path / "plain.yaml")
    paths = [str(tmp_path / name) for name in ("plain.yaml", "big.yaml", "folder.yaml", "link.yaml", "gone.yaml")]
    keys = [cache._key(path) for path in paths]
    assert keys[0] is not None and keys[1:] == [None] * 4
    assert cache.packed_keys(paths) == cache.pack(keys)
    assert [cache.unpack(cache.packed_keys(paths), j) for j in range(len(paths))] == keys


def test_a_prepared_parse_result_reads_back_as_the_result_or_is_sent_whole(tmp_path):
    """Workers send a file's result back as the JSON the cache keeps, when that JSON reads back equal."""
    from kb.data import store

    root = tmp_path / "claims"
    synth.generate(root, 12, seed=3)
    files = sorted(p for p in root.rglob("n*.yaml"))
    files[0].write_text(files[0].read_text().replace("kind: ", "kind: [", 1))  # a syntax error: problems
    files[1].write_text(files[1].read_text() + "extra:\n  big: 1" + "0" * 30 + "\n  far: .inf\n")  # odd numbers
    items = [(p, store.display_path(p), root) for p in files]
    direct = [store._parse_item(item) for item in items]
    assert direct[0][1] and direct[1][0]["extra"]["far"] == float("inf")
    prepared = store.prepare_all(items, parallel=False)
    for (result, sha, value, vhash), whole, (path, display, _) in zip(prepared, direct, items):
        assert sha == cache.file_sha(path) and value is not None
        if path == files[1]:
            assert result == whole  # JSON that orjson cannot read back: the data travels whole
        else:
            assert result is None and cache._decode(value, display) == whole
    opened = cache.Cache.open(root)
    try:
        assert opened.parse(items, lambda todo: store.prepare_all(todo, False)) == direct
        assert opened.parse(items, lambda todo: store.prepare_all(todo, False)) == direct  # read back
    finally:
        opened.close()


def test_replacing_a_prefix_drops_exactly_the_keys_a_test_of_each_key_would(tmp_path):
    """Deletes by ranges of the key index, checked against startswith on every key, edge characters included."""
    rng = random.Random(5)
    alphabet = ["a", "b", ":", "z", "\x7f", "é", "\ud7ff", "\ue000", "\uffff", "\U0010ffff"]
    (tmp_path / "claims").mkdir()
    opened = cache.Cache.open(tmp_path / "claims")
    assert opened is not None
    try:
        for _ in range(60):
            keys = {"".join(rng.choices(alphabet, k=rng.randint(1, 5))) for _ in range(80)}
            opened.put_blobs([(k, 1) for k in keys])
            replace = "".join(rng.choices(alphabet, k=rng.randint(1, 2)))
            spared = ["".join(rng.choices(alphabet, k=rng.randint(0, 4))) for _ in range(rng.randint(0, 3))]
            spared = [replace + s if rng.random() < 0.8 else s for s in spared]
            opened.put_blobs([], replace=replace, keep=spared)
            expected = {k for k in keys if not k.startswith(replace) or any(s and k.startswith(s) for s in spared)}
            left = {k for (k,) in opened._conn.execute("SELECT key FROM blobs")}
            assert left == expected, (replace, spared)
            opened._conn.execute("DELETE FROM blobs")
    finally:
        opened.close()
