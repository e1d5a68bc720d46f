"""A compiled graph mended where a few edited files reach (kb/data/patch.py) must be the graph compiled whole.

Each test edits node files of a synthetic map (titles, texts, stances,
speakers, weights, edges added and removed, linked premises, undercuts and
restatements), then compares what a load gives with the cache, which mends
the last whole compile, against a load without it: the graph down to the
order of every node's predecessors and successors, and what commands print.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import copied, synth
from kb.analysis import queries
from kb.cli import cli
from kb.data import cache, compiled, patch
from kb.rules import delta

@pytest.fixture
def kb(synthetic_map, tmp_path: Path) -> Path:
    return copied(synthetic_map(90, 5), tmp_path)


@pytest.fixture
def mends(monkeypatch) -> list:
    """Every mend made (None when a change was not one a mend takes)."""
    made: list = []
    real = patch.mend

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(patch, "mend", spy)
    return made


def _files(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(root.rglob("n*.yaml"))}


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _edges_of(data: dict) -> list[tuple[str, int]]:
    return [(rel, i) for rel in ("supports", "attacks") for i in range(len(data.get(rel, [])))]


def _target(edge) -> str:
    return edge if isinstance(edge, str) else edge["target"]


def _edit(rng: random.Random, root: Path, G) -> str:
    """One random edit to one node file, on the graph G it was compiled into; the kind of edit."""
    files = _files(root)
    ids = sorted(files)
    node = rng.choice(ids)
    path = files[node]
    data = _read(path)
    op = rng.choice(["title", "text", "stance", "speaker", "kind", "weight", "add-edge", "drop-edge", "flip-edge",
                     "linked", "undercut", "drop-undercut", "restates", "reorder"])
    if op == "title":
        data["title"] = "Again: " + data["title"][:60]
    elif op == "text":
        data["text"] = "Said another way. " + data["text"]
    elif op == "stance":
        data["stances"] = {**data.get("stances", {}), rng.choice(sorted(G.graph["people"])): round(rng.random(), 2)}
    elif op == "speaker":
        data["speaker"] = rng.choice(sorted(G.graph["people"]))
    elif op == "kind":
        data["kind"] = "objection" if data["kind"] != "objection" else "claim"
    elif op == "weight" and _edges_of(data):
        rel, i = rng.choice(_edges_of(data))
        data[rel][i] = {"target": _target(data[rel][i]), "weight": round(rng.uniform(0.1, 0.9), 2)}
    elif op == "add-edge":
        taken = {_target(e) for rel in ("supports", "attacks") for e in data.get(rel, [])}
        free = [t for t in ids if t != node and t not in taken and not G.has_edge(node, t)]
        data.setdefault(rng.choice(["supports", "attacks"]), []).insert(0, rng.choice(free))
    elif op == "drop-edge" and _edges_of(data):
        rel, i = rng.choice(_edges_of(data))
        del data[rel][i]
    elif op == "flip-edge" and _edges_of(data):
        rel, i = rng.choice(_edges_of(data))
        other = "attacks" if rel == "supports" else "supports"
        data.setdefault(other, []).append(data[rel].pop(i))
    elif op == "linked" and _edges_of(data):
        rel, i = rng.choice(_edges_of(data))
        target = _target(data[rel][i])
        premise = rng.choice([t for t in ids if t not in (node, target) and not G.has_edge(t, target)])
        data[rel][i] = {"target": target, "with": [premise]}
    elif op == "undercut":
        u, v = rng.choice([(u, v) for u, v, r in G.edges(data="relation") if r in ("supports", "attacks")
                           and node not in (u, v) and not G.has_edge(node, v)])
        data.setdefault("undercuts", []).append({"source": u, "target": v, "weight": 0.5, "note": "A test's cut."})
    elif op == "drop-undercut" and data.get("undercuts"):
        data["undercuts"].pop()
    elif op == "restates":
        other = rng.choice([t for t in ids if t != node and not G.has_edge(node, t) and not G.has_edge(t, node)])
        data.setdefault("restates", []).append(other)
    elif op == "reorder" and len(_edges_of(data)) > 1:
        rel = max(("supports", "attacks"), key=lambda r: len(data.get(r, [])))
        data[rel].reverse()
    else:
        data["title"] = "Edited: " + data["title"][:60]
        op = "title"
    for key in ("supports", "attacks", "undercuts", "restates"):
        if key in data and not data[key]:
            del data[key]
    _write(path, data)
    return op


def _shape(G) -> tuple:
    """Everything of a graph, in its orders: nodes and attributes, each node's predecessors and successors."""
    return (dict(G.graph), [(n, dict(a)) for n, a in G.nodes(data=True)],
            [(n, [(u, dict(d)) for u, d in G.pred[n].items()], [(v, dict(d)) for v, d in G.succ[n].items()])
             for n in G])


def test_a_mended_graph_is_the_graph_compiled_whole_after_random_edits(kb, mends):
    rng = random.Random(3)
    compiled.load(kb)  # the base
    kinds, taken = set(), 0
    for _ in range(40):
        before = {p: p.read_text() for p in _files(kb).values()}
        for _ in range(rng.randint(1, 3)):
            G = compiled.load(kb, cache=False).graph
            if G is None:  # the last edit broke the map
                break
            kinds.add(_edit(rng, kb, G))
        whole = compiled.load(kb, cache=False)
        count = len(mends)
        found = compiled.load(kb)
        if not whole.ok:  # an edit the rules refuse: reported as a whole load reports it, then undone
            assert not found.ok
            assert [p.format() for p in found.errors] == [p.format() for p in whole.errors]
            for path, text in before.items():
                path.write_text(text)
            continue
        assert _shape(found.graph) == _shape(whole.graph)
        if len(mends) > count and mends[-1] is not None:
            taken += 1
            # Read back, and one node at a time from the rows (a mend's, else its base's).
            again = compiled.load(kb)
            assert _shape(again.graph) == _shape(whole.graph)
            for n in [*mends[-1].head["nodes"], *mends[-1].head["adjacent"]][:4]:
                near = compiled.load(kb, around=n)
                assert near.partial
                solved = lambda: near.analysis(queries.NEUTRAL, queries.DEFAULT_METHOD)  # noqa: E731
                assert queries.show(near.view, n, analysis=solved) == queries.show(whole.graph, n)
    assert taken >= 20, "most rounds must have been mended, not compiled whole"
    assert kinds >= {"title", "stance", "add-edge", "drop-edge", "linked", "undercut", "restates", "reorder"}


def test_commands_print_the_same_after_mended_edits(kb, mends):
    first = sorted(_files(kb))[0]
    commands = [["show", first, "--format", "json"], ["show", first, "--as", "person-1", "--semantics", "dfquad"],
                ["list", "--format", "json"], ["stats", "--format", "json"], ["search", "interpretability"]]

    def outputs(*flags: str) -> list:
        return [CliRunner().invoke(cli, ["--kb", str(kb), *flags, *c]).output for c in commands]

    outputs()
    rng = random.Random(8)
    for _ in range(3):
        _edit(rng, kb, compiled.load(kb, cache=False).graph)
        assert outputs() == outputs("--no-cache")
    assert any(m is not None for m in mends)


def test_a_title_edit_keeps_the_analyses_and_an_edge_edit_makes_them_new(kb, mends):
    files = _files(kb)
    base = compiled.load(kb)
    node = next(n for n in sorted(files) if base.graph.out_degree(n))
    data = _read(files[node])
    data["title"] = "Retitled: " + data["title"][:60]
    _write(files[node], data)
    titled = compiled.load(kb)
    assert mends[-1] is not None and titled.structure == base.structure
    assert titled.digest != base.digest
    rel = "supports" if data.get("supports") else "attacks"
    data[rel][0] = {"target": _target(data[rel][0]), "weight": 0.33}
    _write(files[node], data)
    weighted = compiled.load(kb)
    assert mends[-1] is not None and weighted.structure not in (base.structure, titled.structure)
    whole = compiled.load(kb, cache=False).graph
    for name in ("drqe", "dfquad"):
        assert weighted.analysis("person-1", name).strengths == queries.analyse(whole, "person-1", name).strengths


def test_a_change_a_mend_cannot_take_is_compiled_whole(kb, mends):
    compiled.load(kb)
    files = _files(kb)
    first = sorted(files)[0]
    (files[first].parent / "n999999.yaml").write_text(files[first].read_text())  # a node added
    found = compiled.load(kb)
    assert mends[-1] is None
    assert _shape(found.graph) == _shape(compiled.load(kb, cache=False).graph)
    assert "n999999" in found.graph


def test_too_many_changed_files_are_compiled_whole(kb, mends):
    compiled.load(kb)
    for path in list(_files(kb).values())[:delta.LIMIT + 1]:
        data = _read(path)
        data["title"] = "Again: " + data["title"][:60]
        _write(path, data)
    found = compiled.load(kb)
    assert mends[-1] is None
    assert _shape(found.graph) == _shape(compiled.load(kb, cache=False).graph)


def test_damaged_mend_rows_are_made_again(kb, mends):
    import sqlite3

    files = _files(kb)
    compiled.load(kb)
    node = sorted(files)[3]
    data = _read(files[node])
    data.setdefault("supports", []).append(sorted(files)[40])
    _write(files[node], data)
    compiled.load(kb)
    assert mends[-1] is not None
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        conn.execute("DELETE FROM blobs WHERE key LIKE ? AND key LIKE '%:e:%'", (f"{compiled.ROWS}graph:%",))
    assert _shape(compiled.load(kb).graph) == _shape(compiled.load(kb, cache=False).graph)


@pytest.mark.parametrize("row", ["f", "n"])
def test_a_base_missing_a_fact_row_is_compiled_whole_not_mended_wrong(kb, mends, row):
    """A fact row gone (who names the edited node's target, or a node's own facts) is damage, never "none"."""
    import sqlite3

    files = _files(kb)
    base = compiled.load(kb)
    node, target = sorted(files)[3], sorted(files)[40]
    data = _read(files[node])
    data.setdefault("supports", []).append(target)
    _write(files[node], data)
    named = target if row == "n" else next(iter(base.graph.pred[target]))  # a node declaring an edge into it
    with sqlite3.connect(kb / cache.CACHE_FILE) as conn:
        gone = conn.execute("DELETE FROM blobs WHERE key = ?",
                            (f"{compiled.ROWS}graph:{base.digest}:{row}:{named}",)).rowcount
    assert gone == 1
    found = compiled.load(kb)
    assert mends[-1] is None
    assert _shape(found.graph) == _shape(compiled.load(kb, cache=False).graph)


def _meets(order, succ, pred) -> bool:
    return all([v for u, v in order if u == n] == succ[n] and [u for u, v in order if v == n] == pred[n] for n in succ)


def test_edge_order_meets_both_orders_or_says_none_can():
    succ = {"a": ["b", "d"], "c": ["d", "b"], "b": [], "d": []}
    edges = [(u, v) for u in succ for v in succ[u]]
    # Met by a->b, c->d, c->b, a->d, and not by adding the edges source by source.
    pred = {"b": ["a", "c"], "d": ["c", "a"], "a": [], "c": []}
    assert not _meets(edges, succ, pred)
    order = compiled.edge_order(edges, succ, pred)
    assert order is not None and sorted(order) == sorted(edges) and _meets(order, succ, pred)
    # a->b < a->d < c->d < c->b < a->b: no order meets these.
    assert compiled.edge_order(edges, succ, {"b": ["c", "a"], "d": ["a", "c"], "a": [], "c": []}) is None
    # Predecessors that list another edge than the successors do.
    assert compiled.edge_order(edges, succ, {"b": ["a"], "d": ["c", "a"], "a": [], "c": ["b"]}) is None


def test_a_premise_s_successors_keep_the_order_of_the_nodes_that_declare_them(kb, mends):
    """B's edges out come by the node declaring them: A's two linked arguments, then B's own, then C's."""
    files = _files(kb)
    a, b, c, t1, t2, t3, t6, t7 = sorted(files)[10:18]
    for node in (a, b, c):
        data = _read(files[node])
        for key in ("supports", "attacks", "undercuts", "restates"):
            data.pop(key, None)
        if node == a:
            data["supports"] = [{"target": t2, "with": [b]}, {"target": t6, "with": [b]}]
        elif node == b:
            data["supports"] = [t1]
        else:
            data["supports"] = [{"target": t3, "with": [b]}]
        _write(files[node], data)
    base = compiled.load(kb)
    assert list(base.graph.succ[b]) == [t2, t6, t1, t3]
    data = _read(files[b])
    data["supports"] = [t7]
    _write(files[b], data)
    found = compiled.load(kb)
    assert mends[-1] is not None
    assert list(found.graph.succ[b]) == [t2, t6, t7, t3]
    assert _shape(found.graph) == _shape(compiled.load(kb, cache=False).graph)


LOADER = """
import sys
from pathlib import Path
from kb.data import compiled
root, node = Path(sys.argv[1]), sys.argv[2]
for _ in range(10):
    whole, near = compiled.load(root), compiled.load(root, around=node)
    # An edit the test undoes can be seen: errors then, never a wrong graph or a traceback.
    assert (whole.ok and node in whole.graph) or whole.errors
    assert (near.ok and node in near.view) or near.errors
print("ok")
"""


def test_loads_mending_side_by_side_while_files_change(kb):
    import subprocess
    import sys

    compiled.load(kb)
    files = _files(kb)
    node = sorted(files)[0]
    procs = [subprocess.Popen([sys.executable, "-c", LOADER, str(kb), node], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    rng = random.Random(13)
    for _ in range(8):
        before = {p: p.read_text() for p in files.values()}
        _edit(rng, kb, compiled.load(kb, cache=False).graph)
        if not compiled.load(kb, cache=False).ok:  # the loaders are asked about a map without errors
            for path, text in before.items():
                path.write_text(text)
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip() == "ok", err
    assert _shape(compiled.load(kb).graph) == _shape(compiled.load(kb, cache=False).graph)
    near = compiled.load(kb, around=node)
    assert queries.show(near.view, node, analysis=lambda: near.analysis(queries.NEUTRAL, queries.DEFAULT_METHOD)) \
        == queries.show(compiled.load(kb, cache=False).graph, node)


def _reaches(root: Path, whole_facts: bool):
    """What the change since the last whole compile reaches, its facts read from the base's rows, or from a
    whole record made of every row (what a check keeps)."""
    opened = cache.open_cache(root)
    try:
        _, scanned = compiled._digest_of(root, opened, False)
        base = opened.get_blob(patch.BASE_KEY)
        kept = delta.Kept.from_json(base["kept"], header=True)
        was = patch._prefix(base["digest"])
        rows = patch.RowFacts(opened, was)
        if whole_facts:
            kept.facts = rows.of(kept.ids)
            facts = delta.KeptFacts(kept)
        else:
            facts = rows
        displays, values, frame = scanned[4]
        return delta.reach(root, kept, frame, displays, scanned[3], values, opened, False, facts), kept
    finally:
        opened.close()


def test_what_an_edit_reaches_read_from_rows_is_what_a_scan_of_every_node_finds(kb):
    """The rows' lookups (who names an id, one node's facts) against the definitions, scanned over every node."""
    from kb.data import store
    from kb.rules import validate

    compiled.load(kb)  # the base, whose rows every round reads
    texts = {p.stem: p.read_text() for p in _files(kb).values()}
    rng = random.Random(21)
    compared = 0
    for turn in range(15):
        G = compiled.load(kb, cache=False).graph
        if G is None:
            break
        if turn < 14:
            _edit(rng, kb, G)
        else:  # an edge declared twice, by its source and as another node's linked premise: both, in file order
            u, t = next((u, t) for u, t, r in G.edges(data="relation") if r == "supports" and u > "n000050")
            files = _files(kb)
            data = _read(files["n000001"])
            data.setdefault("attacks", []).append({"target": t, "with": [u]})
            _write(files["n000001"], data)
        got, kept = _reaches(kb, False)
        scanned, whole_kept = _reaches(kb, True)
        if got is None:
            assert scanned is None
            continue
        compared += 1
        base_facts = whole_kept.facts
        now = store.load(kb)[0]
        scope = validate.Scope.of(now)
        facts = {i: [scope.declared_by[i], scope.named_by[i]] for i in now.nodes}
        edited = [i for i, path in _files(kb).items() if path.read_text() != texts[i]]
        reached = {t for i in edited for f in (base_facts[i], facts[i]) for t in [*(d[1] for d in f[0]), *f[1]]}
        concerned = set(edited) | (reached & set(now.nodes)) | {
            i for i in now.nodes if any(d[1] in reached for d in facts[i][0])}
        into = {d[1] for i in concerned for d in facts[i][0]}
        declared = validate.index_declarations((i, [d for d in facts[i][0] if d[1] in into]) for i in kept.ids)
        incoming = {t for f in facts.values() for t in f[1]}
        assert turn < 14 or len(declared[(u, t)]) == 2
        for found in (got, scanned):
            assert sorted(found.edited) == sorted(edited) and found.reached == reached
            assert found.concerned == concerned
            assert {k: [(r, n, tuple(loc)) for r, n, loc in v] for k, v in found.scope.declared.items()} == declared
            assert found.scope.incoming == incoming & concerned
    assert compared >= 10


@pytest.mark.parametrize("meanwhile", ["read", "unread"])
def test_a_mend_is_kept_unless_a_file_it_read_changed_while_it_was_made(kb, mends, monkeypatch, meanwhile):
    """A file the mend read, edited meanwhile, would put that edit under the digest taken before it (read back
    once the edit is undone); a file it did not read is taken as the digest found it, so the mend holds."""
    files = _files(kb)
    compiled.load(kb)
    edited = sorted(files)[5]
    data = _read(files[edited])
    data["title"] = "First: " + data["title"][:60]
    _write(files[edited], data)
    real, changed = delta.reach, []

    def reach_then_edit(*args, **kwargs):
        got = real(*args, **kwargs)
        read = {files[i] for i in got.kb.nodes} | {files[edited]}
        path = files[edited] if meanwhile == "read" else next(p for p in files.values() if p not in read)
        text = path.read_text()
        path.write_text(text.replace("title: ", "title: Meanwhile ", 1))
        changed.append((path, text))
        return got

    monkeypatch.setattr(delta, "reach", reach_then_edit)
    found = compiled.load(kb)
    monkeypatch.setattr(delta, "reach", real)
    assert mends[-1] is not None
    opened = cache.open_cache(kb)
    try:
        kept = opened.get_blob(patch._prefix(found.digest) + "meta")
    finally:
        opened.close()
    assert (kept is not None) == (meanwhile == "unread")
    # Undone, the map is the one the digest was taken of: what is kept under it must be that map.
    path, text = changed[0]
    path.write_text(text)
    assert _shape(compiled.load(kb).graph) == _shape(compiled.load(kb, cache=False).graph)
