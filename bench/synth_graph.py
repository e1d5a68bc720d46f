"""Synthetic argument graphs shaped like a debate, for the semantics benchmarks.

An argument map is mostly a tree of replies converging on a few theses, with
some arguments bearing on more than one point and the odd knot of arguments
that answer one another. So the generator grows a random recursive tree (each
node argues about one earlier node), adds about 5% cross edges (always towards
an earlier node, so they add no cycles), and plants a few dense blocks of nodes
that argue among themselves in both directions: those are the only strongly
connected components, and their size is known.

``bench/synth.py`` writes knowledge-base *files* with a different, cycle-rich
shape for the ``kb check`` benchmark; this module makes graphs in memory and,
with :func:`write_kb`, the node files a whole-process benchmark needs.

Usage: ``python bench/synth_graph.py DIR N [--seed S]`` writes a knowledge base.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import networkx as nx
import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PEOPLE = ("ada", "bea", "cyd", "dee")


def node_id(i: int) -> str:
    return f"n{i:06d}"


def tree_graph(n: int, *, cross: float = 0.05, blocks: int = 3, block_size: int = 12, density: float = 0.3,
               attack_share: float = 0.3, stance_share: float = 0.3, seed: int = 0) -> nx.DiGraph:
    """A debate-shaped graph of ``n`` nodes whose thesis ``n000000`` has every other node as an ancestor.

    Every node reaches the thesis through its tree edge, so cruxes of the thesis
    have ``n − 1`` candidates. Each block of ``block_size`` consecutive nodes gets
    a directed cycle through all its members plus each other ordered pair with
    probability ``density``; its members' tree edges all go to one anchor before
    the block, and no edge leaves a block upwards, so the blocks are exactly the
    graph's circular components.
    """
    rng = random.Random(seed)
    G = nx.DiGraph()
    G.graph["people"] = {p: {"id": p, "name": p.capitalize()} for p in PEOPLE}
    G.graph["sources"] = {"doc": {"id": "doc", "title": "Synthetic debate"}}
    block_of: dict[int, int] = {}
    if n > 10 * block_size:
        starts = sorted(rng.sample(range(1, n - block_size, block_size), blocks)) if blocks else []
        for b, start in enumerate(starts):
            for i in range(start, start + block_size):
                block_of[i] = b
    anchors: dict[int, int] = {}

    def relation() -> str:
        return "attacks" if rng.random() < attack_share else "supports"

    def weight() -> float:
        return 1.0 if rng.random() < 0.7 else round(rng.uniform(0.2, 0.9), 2)

    for i in range(n):
        stances = {p: round(rng.random(), 2) for p in PEOPLE if rng.random() < stance_share}
        G.add_node(node_id(i), kind="claim", title=f"Synthetic claim {i}", text=f"Synthetic claim number {i}.",
                   speaker=rng.choice(PEOPLE), source="doc", quote=None, section=None,
                   tags=["thesis"] if i == 0 else [], stances=stances, note=None, path=None)
        if i == 0:
            continue
        b = block_of.get(i)
        if b is not None:
            parent = anchors.setdefault(b, rng.randrange(i))
        else:
            parent = rng.randrange(i)
            while parent in block_of and rng.random() < 0.5:  # blocks are knots, not hubs
                parent = rng.randrange(i)
        G.add_edge(node_id(i), node_id(parent), relation=relation(), weight=weight(), note=None)
    for _ in range(round(cross * n)):
        u = rng.randrange(2, n)
        v = rng.randrange(u)
        if block_of.get(u) is not None and block_of.get(u) == block_of.get(v):
            continue
        if not G.has_edge(node_id(u), node_id(v)):
            G.add_edge(node_id(u), node_id(v), relation=relation(), weight=weight(), note=None)
    members: dict[int, list[int]] = {}
    for i, b in block_of.items():
        members.setdefault(b, []).append(i)
    for ids in members.values():
        ids.sort()
        ring = list(zip(ids, ids[1:] + ids[:1]))
        pairs = set(ring) | {(u, v) for u in ids for v in ids if u != v and rng.random() < density}
        for u, v in sorted(pairs):
            G.add_edge(node_id(u), node_id(v), relation=relation(), weight=weight(), note=None)
    return G


def write_kb(G: nx.DiGraph, root: Path) -> None:
    """Write the graph as a knowledge base that passes ``kb check``: registries plus one file per node."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    people = [{"id": p, "name": data.get("name", p)} for p, data in sorted(G.graph["people"].items())]
    sources = [{"id": s, "title": data.get("title", s), "kind": "synthetic"}
               for s, data in sorted(G.graph["sources"].items())]
    (root / "people.yaml").write_text(yaml.safe_dump(people, sort_keys=False), encoding="utf-8")
    (root / "sources.yaml").write_text(yaml.safe_dump(sources, sort_keys=False), encoding="utf-8")
    for i, (n, data) in enumerate(sorted(G.nodes(data=True))):
        node: dict = {
            "kind": data.get("kind", "claim"),
            "title": data.get("title") or n,
            "text": data.get("text") or n,
            "speaker": data.get("speaker", PEOPLE[0]),
            "source": {"document": data.get("source", "doc"), "quote": f"claim {n}"},
        }
        for relation in ("supports", "attacks"):
            edges = []
            for _, target, e in sorted(G.out_edges(n, data=True)):
                if e["relation"] == relation:
                    edges.append(target if e["weight"] == 1.0 else {"target": target, "weight": e["weight"]})
            if edges:
                node[relation] = edges
        if data.get("tags"):
            node["tags"] = list(data["tags"])
        if data.get("stances"):
            node["stances"] = dict(data["stances"])
        folder = root / f"part-{i // 1000:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"{n}.yaml").write_text(yaml.safe_dump(node, sort_keys=False, allow_unicode=True), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a debate-shaped synthetic knowledge base.")
    parser.add_argument("dir", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    write_kb(tree_graph(args.n, seed=args.seed), args.dir)
    print(f"wrote {args.n} nodes to {args.dir}")


if __name__ == "__main__":
    main()
