"""A synthetic knowledge base of any size, for benchmarks.

The real map has a couple of hundred nodes; performance targets are set at ten
thousand, so benchmarks need a generator whose output looks like the real thing
to every part of ``kb``: nodes spread over nested folders, about three edges per
node (mostly supports, some attacks, a few weighted with a note), titles and
texts of realistic length, anchor quotes, stances, and people and sources
registries that every reference resolves against. The output is deterministic
for a given ``n`` and ``seed`` and passes ``kb check`` without errors.

Usage: ``python bench/synth.py DIR N [--seed S] [--sources TEXTS_DIR]``
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

WORDS = (
    "interpretability model circuit feature deception audit alignment training loss probe "
    "representation activation neuron superposition behaviour oversight capability risk "
    "evaluation benchmark gradient agent planning reasoning chain thought monitor honesty "
    "governance coordination research agenda theory impact evidence scale frontier safety "
    "incentive culture transparency mechanism explanation hypothesis experiment dataset "
    "adversarial robustness steering vector sparse dictionary autoencoder attention layer"
).split()
KINDS = ("claim", "claim", "claim", "rebuttal", "rebuttal", "evidence", "question", "proposal")
SECTIONS = ("Introduction", "Theories of impact", "Counter-arguments", "Comments", "Conclusion")


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def _text(rng: random.Random, chars: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < chars:
        parts.append(_sentence(rng, 6, 16))
    return " ".join(parts)


def _edges(rng: random.Random, i: int, n: int) -> tuple[list, list]:
    """About three distinct targets per node, never the node itself."""
    if n < 2:
        return [], []
    count = min(n - 1, max(1, round(rng.gauss(3, 1))))
    targets: list[int] = []
    # Earlier nodes are preferred (arguments answer what came before), but any
    # node may be a target, so the graph has cycles like a real debate does.
    while len(targets) < count:
        t = rng.randrange(i) if i and rng.random() < 0.8 else rng.randrange(n)
        if t != i and t not in targets:
            targets.append(t)
    supports, attacks = [], []
    for t in targets:
        edge: object = f"n{t:06d}"
        if rng.random() < 0.15:
            edge = {"target": f"n{t:06d}", "weight": round(rng.uniform(0.2, 0.9), 2),
                    "note": _sentence(rng, 5, 10)}
        (attacks if rng.random() < 0.35 else supports).append(edge)
    return supports, attacks


def build(n: int, seed: int = 0) -> tuple[list[dict], list[dict], dict[str, dict]]:
    """People, sources and node id -> node data, without touching the disk."""
    rng = random.Random(seed)
    people = [
        {"id": f"person-{k}", "name": f"Person {k}", "role": _sentence(rng, 3, 8)}
        for k in range(max(5, n // 50))
    ]
    sources = [
        {"id": f"source-{k}", "title": _sentence(rng, 4, 9).rstrip("."), "authors": [people[k % len(people)]["name"]],
         "date": f"20{20 + k % 6}-0{1 + k % 9}", "kind": rng.choice(("blog-post", "transcript", "commentary")),
         "file": f"source-{k}.txt"}
        for k in range(max(3, n // 100))
    ]
    nodes: dict[str, dict] = {}
    for i in range(n):
        text = _text(rng, rng.randint(150, 450))
        words = text.split()
        start = rng.randrange(max(1, len(words) - 8))
        speaker = rng.choice(people)["id"]
        kind = "theory_of_impact" if i < n // 10 and rng.random() < 0.5 else rng.choice(KINDS)
        supports, attacks = _edges(rng, i, n)
        node: dict = {
            "kind": kind,
            "title": _sentence(rng, 4, 11).rstrip(".")[:100],
            "text": text,
            "speaker": speaker,
            "source": {
                "document": sources[i % len(sources)]["id"],
                "quote": " ".join(words[start:start + rng.randint(4, 8)]),
                "section": rng.choice(SECTIONS),
            },
            "supports": supports,
            "attacks": attacks,
            "tags": sorted({rng.choice(WORDS) for _ in range(rng.randint(0, 3))}),
            "stances": {},
        }
        for person in rng.sample(people, rng.randint(1, 3)):
            credence = round(rng.uniform(0, 1), 2)
            if rng.random() < 0.2:
                node["stances"][person["id"]] = {"credence": credence, "quote": " ".join(words[:5])}
            else:
                node["stances"][person["id"]] = credence
        nodes[f"n{i:06d}"] = {k: v for k, v in node.items() if v not in ([], {})}
    return people, sources, nodes


def _folder(i: int, n: int) -> str:
    # Roughly the real map's shape: a folder per source, some nested a level deeper.
    group = i * max(1, n // 200) // max(1, n)
    return f"part-{group:03d}" + ("/comments" if i % 7 == 0 else "")


def generate(root: Path, n: int, seed: int = 0, sources_dir: Path | None = None) -> None:
    """Write a knowledge base of n nodes into root (created if needed).

    With sources_dir, also write each source's text there, containing every
    quote, so that ``kb check --sources`` can be measured too.
    """
    from kb.data import canonical
    from kb.data.store import write_atomic

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    people, sources, nodes = build(n, seed)
    schema_dir = canonical.find_schema_dir(root)
    for name, entries in (("people", people), ("sources", sources)):
        path = root / f"{name}.yaml"
        comment = canonical.schema_comment(path, schema_dir, f"{name}.schema.json")
        write_atomic(path, canonical.registry_text(entries, comment))
    by_source: dict[str, list[str]] = {s["id"]: [] for s in sources}
    for i, (node_id, data) in enumerate(nodes.items()):
        path = root / _folder(i, n) / f"{node_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(canonical.node_text(data, path, root, schema_dir), encoding="utf-8")
        by_source[data["source"]["document"]].append(data["text"])
    if sources_dir is not None:
        sources_dir = Path(sources_dir)
        sources_dir.mkdir(parents=True, exist_ok=True)
        for source in sources:
            (sources_dir / source["file"]).write_text("\n\n".join(by_source[source["id"]]) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic knowledge base for benchmarks.")
    parser.add_argument("dir", type=Path, help="claims folder to create")
    parser.add_argument("n", type=int, help="number of nodes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sources", type=Path, help="also write source texts into this folder")
    args = parser.parse_args(argv)
    generate(args.dir, args.n, args.seed, args.sources)
    print(f"wrote {args.n} nodes to {args.dir}")


if __name__ == "__main__":
    main()
