"""warning[possible-duplicate]: in kb check and at kb add, with the other node's id."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.rules import validate

from conftest import kb_here as kb  # noqa: F401  (the root fixture comes from conftest)




def add(title: str, quote: str = "", *extra: str):
    return kb("add", "claim", "--title", title, "--text", "T.", "--speaker", "bob", "--source", "doc1",
              "--quote", quote, *extra)


def warnings(root: Path) -> list[str]:
    return [p.format() for p in validate.check(root).problems if p.code == "possible-duplicate"]


def test_same_title_added_twice_is_written_with_a_warning(root):
    assert add("Probes find lies", "", "--supports", "audits").exit_code == 0
    result = add("Probes find lies", "", "--attacks", "wont-scale")
    assert result.exit_code == 0 and "'probes-find-lies-2'" in result.stdout
    assert ("claims/probes-find-lies-2.yaml:3:1: warning[possible-duplicate]: title nearly matches that of "
            "'probes-find-lies' (\"Probes find lies\")") in result.stderr
    assert "`kb link probes-find-lies-2 restates probes-find-lies`" in result.stderr


@pytest.mark.parametrize("title, duplicate", [
    ("audits NEED interpretability!", True),  # case and punctuation
    ("Interpretability audits need", True),  # word order
    ("Audits need interpretabilty", True),  # a typo
    ("Audits need no interpretability at all", False),
    ("Interpretability is needed by regulators", False),
])
def test_check_flags_near_identical_titles_only(root, title, duplicate):
    assert add(title, "", "--attacks", "wont-scale").exit_code == 0
    found = warnings(root)
    assert bool(found) == duplicate, found
    if duplicate:
        assert "'audits'" in found[0]


def test_the_same_long_quote_is_flagged_short_ones_are_not(root):
    sentence = "Interpretability lets us see inside the model, or so the argument goes."
    for node_id in ("first", "second"):
        text = (root / "audits.yaml").read_text().replace("Audits need interpretability", f"Title {node_id} unlike")
        (root / f"{node_id}.yaml").write_text(text.replace("quote: Audits need it.", f'quote: "{sentence}"'))
    found = warnings(root)
    assert len(found) == 1 and found[0].startswith("claims/second.yaml:8:3: warning[possible-duplicate]: quote")
    assert "'first'" in found[0]
    # Short anchors ("Audits need it." in three files here) are not evidence of a duplicate.
    assert not any("audits" in w for w in found)


def test_pairs_already_linked_are_not_flagged(root):
    assert add("Audits need interpretability", "", "--attacks", "wont-scale", "--id", "again").exit_code == 0
    assert warnings(root)
    assert kb("link", "again", "restates", "audits").exit_code == 0
    assert warnings(root) == []


def _every_pair(values: dict[str, str], cutoff: float, among) -> set:
    """The full comparison the length filter must agree with: every value against every other."""
    from rapidfuzz import fuzz, process

    keys = list(values)
    out = set()
    for a in among:
        for _, score, i in process.extract(values[a], [values[k] for k in keys], scorer=fuzz.ratio,
                                           score_cutoff=cutoff, limit=None):
            if keys[i] != a:
                out.add((min(a, keys[i]), max(a, keys[i]), float(score)))
    return out


@pytest.mark.parametrize("matrix_min, chunk", [(0, 64), (0, 5), (10 ** 9, 64)],
                         ids=["in-blocks", "in-blocks-bounded-by-pieces", "one-query-at-a-time"])
def test_length_filter_finds_the_pairs_every_comparison_finds(matrix_min, chunk, monkeypatch):
    """On random near-copies over small alphabets (many pairs near every cutoff) and on the real map,
    compared in blocks (many values; values longer than a SIMD piece bounded piece by piece first)
    and one query at a time (a few)."""
    import random

    from conftest import REPO
    from kb.analysis import duplicates
    from kb.data import store

    monkeypatch.setattr(duplicates, "MATRIX_MIN", matrix_min)
    monkeypatch.setattr(duplicates, "CHUNK", chunk)
    monkeypatch.setattr(duplicates, "BLOCK", 7)  # several blocks, of rows of different lengths
    rng = random.Random(1)
    found = 0
    for _ in range(60):
        alphabet = rng.choice(["ab", "abc", "abcdefgh ", "xyz "])
        bases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(6)]
        values = {}
        for i in range(30):
            chars = list(rng.choice(bases))
            for _ in range(rng.randint(0, 3)):
                at = rng.randint(0, len(chars))
                if rng.random() < 0.5 and chars:
                    del chars[min(at, len(chars) - 1)]
                else:
                    chars.insert(at, rng.choice(alphabet))
            values[f"k{i}"] = "".join(chars)
        for cutoff in (50.0, 80.0, duplicates.TITLE_SIMILARITY, duplicates.QUOTE_SIMILARITY, 100.0):
            for among in (rng.sample(sorted(values), 8), sorted(values)):
                expected = _every_pair(values, cutoff, among)
                assert duplicates._similar(values, cutoff, among) == expected
                found += len(expected)
    assert found > 1000, "the random values must make pairs to compare"
    nodes = store.load(REPO / "claims")[0].nodes
    values = duplicates._values(duplicates._raws(nodes))
    for field in duplicates.FIELDS:
        for cutoff in (duplicates.CUTOFFS[field], 60.0):
            assert duplicates._similar(values[field], cutoff, list(values[field])) == \
                _every_pair(values[field], cutoff, list(values[field]))


def test_each_pair_is_compared_once(monkeypatch):
    """The ratio is symmetric, so a first check compares each pair from one end only (half the work)."""
    from rapidfuzz import process

    from kb.analysis import duplicates

    monkeypatch.setattr(duplicates, "MATRIX_MIN", 10 ** 9)  # one query at a time, as after an edit
    values = {f"k{i}": "same length title" for i in range(40)}  # every pair in every other's length range
    compared = []
    extract = process.extract

    def counting(query, choices, **kwargs):
        compared.extend((query, c) for c in choices)
        return extract(query, choices, **kwargs)

    monkeypatch.setattr(process, "extract", counting)
    pairs = duplicates._similar(values, 92.0, sorted(values))
    assert len(pairs) == 40 * 39 // 2 and len(compared) == 40 * 39 // 2
    compared.clear()
    among = ["k3", "k17"]  # a check after an edit: the changed values against all, their own pair once
    assert len(duplicates._similar(values, 92.0, among)) == 2 * 38 + 1
    assert len(compared) == 2 * 38 + 1


def test_lengths_outside_the_range_cannot_reach_the_cutoff():
    """The best a pair of lengths can score is with the same character throughout: outside the range even that fails."""
    from rapidfuzz import fuzz

    from kb.analysis.duplicates import length_range

    for cutoff in (60.0, 92.0, 95.0):
        for n in range(0, 90):
            low, high = length_range(n, cutoff)
            assert low <= n <= high and high - low <= 2 * n * (200 - cutoff) / cutoff + 4  # and not much wider
            for m in range(0, 250):
                if not low <= m <= high:
                    assert fuzz.ratio("a" * n, "a" * m) < cutoff, (n, m)


def test_comparing_in_blocks_on_every_core_finds_the_same_pairs(monkeypatch):
    """Blocks scored by cdist on every core (and within a cap on the cells of one block) find exactly
    the pairs one query at a time finds, and what comparing every pair finds."""
    from rapidfuzz import process

    from conftest import REPO
    from kb.analysis import duplicates
    from kb.data import store

    values = duplicates._values(duplicates._raws(store.load(REPO / "claims")[0].nodes))["title"]
    among = sorted(values)
    monkeypatch.setattr(duplicates, "MATRIX_MIN", 10 ** 9)
    serial = duplicates._similar(values, 60.0, among)
    assert len(serial) > 20, "the cutoff must make pairs to compare"
    assert serial == _every_pair(values, 60.0, among)
    monkeypatch.setattr(duplicates, "MATRIX_MIN", 1)
    monkeypatch.setattr(duplicates, "BLOCK_CELLS", 5000)  # blocks halved until they fit
    cdist, workers, shapes = process.cdist, [], []

    def recording(queries, choices, **kwargs):
        workers.append(kwargs.get("workers"))
        shapes.append((len(queries), len(choices)))
        return cdist(queries, choices, **kwargs)

    monkeypatch.setattr(process, "cdist", recording)
    assert duplicates._similar(values, 60.0, among, parallel=True) == serial
    assert set(workers) == {-1}, "parallel: every core"
    assert all(rows * cols <= 5000 or rows == 1 for rows, cols in shapes) and len(shapes) > 10
    workers.clear()
    assert duplicates._similar(values, 60.0, among[::3]) == duplicates._similar(values, 60.0, among[::3], True)
    assert set(workers) == {1, -1}
