"""Benchmark: `kb import aif` of the largest sample map and of a 50,000-claim synthetic AIF map.

Target (issue 14): the 50,000-claim map in under 30 s on a 2-core machine (224 s before).
The synthetic map is AIFdb-shaped: every claim asserted through an L-node and a YA node by one of
40 participants, supports and attacks through RA and CA nodes (a tenth of them linked, with two
premises), undercuts (CA on RA) and rephrases (MA).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from kb.changes import importer  # noqa: E402

TARGET = 30.0


def synthetic(n: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    nodes, edges, locutions = [], [], []
    ids = iter(range(1, 10**9))

    def node(kind: str, text: str) -> str:
        node_id = str(next(ids))
        nodes.append({"nodeID": node_id, "text": text, "type": kind, "timestamp": "2020-01-01 00:00:00"})
        return node_id

    def edge(a: str, b: str) -> None:
        edges.append({"edgeID": str(len(edges) + 1), "fromID": a, "toID": b, "formEdgeID": None})

    participants = [{"participantID": p, "firstname": f"Speaker{p}", "surname": "Synth"} for p in range(1, 41)]
    claims = []
    for i in range(n):
        text = f"claim {i}: " + " ".join(rng.choice(["we", "should", "fund", "audit", "models", "because", "it",
                                                      "helps", "not", "scale"]) for _ in range(12))
        claim = node("I", text)
        claims.append(claim)
        person = rng.choice(participants)
        l_node = node("L", f"{person['firstname']} {person['surname']} : {text}")
        ya = node("YA", "Asserting")
        edge(l_node, ya)
        edge(ya, claim)
        locutions.append({"nodeID": l_node, "personID": str(person["participantID"]), "timestamp": None})
    inferences = []
    for i in range(1, n):
        target = claims[rng.randrange(i)]
        kind = "RA" if rng.random() < 0.7 else "CA"
        s = node(kind, "Default Inference" if kind == "RA" else "Default Conflict")
        edge(claims[i], s)
        if kind == "RA" and rng.random() < 0.1 and i > 2:
            other = claims[rng.randrange(i)]
            if other != target:
                edge(other, s)
        edge(s, target)
        inferences.append((s, claims[i], target))
    for _ in range(n // 50):
        s, premise, target = rng.choice(inferences)
        cutter = rng.choice(claims)
        if cutter not in (premise, target):
            ca = node("CA", "Default Conflict")
            edge(cutter, ca)
            edge(ca, s)
    return {"nodes": nodes, "edges": edges, "locutions": locutions, "participants": participants}


def timed_import(path: Path) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = importer.import_aif(Path(tmp) / "claims", path)
        return time.perf_counter() - start, len(result.nodes), len(result.notes)


if __name__ == "__main__":
    samples = sorted((REPO / "tests" / "fixtures" / "samples" / "aif").glob("*.json"), key=lambda p: p.stat().st_size)
    largest = samples[-1]
    seconds, claims, notes = timed_import(largest)
    print(f"largest sample {largest.name} ({largest.stat().st_size // 1024} KiB): {claims} claims, "
          f"{notes} notes, {seconds:.2f} s")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.json"
        path.write_text(json.dumps(synthetic(n)), encoding="utf-8")
        seconds, claims, notes = timed_import(path)
    print(f"synthetic AIF map, {claims} claims ({path.name}, {notes} notes): {seconds:.1f} s "
          f"(target < {TARGET:.0f} s: {'met' if seconds < TARGET else 'NOT met'})")
