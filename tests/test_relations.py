"""Undercuts, linked premises, restatements and presenters: checked, built, labelled, explained, warned about."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.analysis import graph, semantics
from kb.data import store
from kb.rules import validate
from kb.cli import cli
from kb.rules.diagnostics import analysis_problems
from kb.analysis.explain import explain

from conftest import BASE


def h(x: float) -> float:
    return max(0.0, x) ** 2 / (1.0 + max(0.0, x) ** 2)


def write_kb(tmp_path: Path, nodes: dict[str, str], people: tuple[str, ...] = ("alice", "bob")) -> Path:
    """A knowledge base of the base fixture's registries and the given node bodies (YAML after the header)."""
    root = tmp_path / "claims"
    root.mkdir(parents=True)
    (root / "people.yaml").write_text("".join(f"- id: {p}\n  name: {p.title()}\n" for p in people))
    (root / "sources.yaml").write_text((BASE / "sources.yaml").read_text())
    for node_id, body in nodes.items():
        (root / f"{node_id}.yaml").write_text(
            f"kind: claim\ntitle: {node_id}\ntext: {node_id}.\nspeaker: alice\n"
            f"source: {{document: doc1}}\n" + textwrap.dedent(body))
    return root


def check(root: Path, **kw) -> list[tuple[str, int, int, str]]:
    result = validate.check(root, **kw)
    return [(Path(p.path).name, p.line, p.col, p.code) for p in result.problems if p.code != "missing-quote"]


# --- kb check -------------------------------------------------------------------------------


def test_relations_are_checked_with_locations_and_suggestions(tmp_path):
    root = write_kb(tmp_path, {
        "a": "supports: [t]\n",
        "b": "supports:\n  - target: t\n    with: [a, nope]\n",
        "t": "restates: [t]\n",
        "u": "undercuts:\n  - source: a\n    target: t\n  - source: c\n    target: t\n",
        "c": "attacks: [a]\n",
    })
    result = validate.check(root)
    got = sorted((Path(p.path).name, p.line, p.col, p.code) for p in result.problems if p.severity == "error")
    # b.yaml line 8 is "    with: [a, nope]": nope starts at col 15; a already has its own edge to t,
    # so b's linked argument (the list item on line 7) declares a -> t a second time
    assert ("b.yaml", 8, 15, "unknown-target") in got
    assert ("b.yaml", 7, 5, "duplicate-edge") in got
    assert ("t.yaml", 6, 12, "self-edge") in got  # "restates: [t]"
    # two undercuts into t from one node are one edge of the graph, not a duplicate
    assert not [g for g in got if g[0] == "u.yaml" and g[3] == "duplicate-edge"]
    # u's second undercut names an edge c -> t that does not exist (c attacks a, not t)
    unknown = [p for p in result.problems if p.code == "unknown-edge"]
    assert len(unknown) == 1 and "'c' to 't'" in unknown[0].message and unknown[0].line == 9
    assert "did you mean a" in unknown[0].message or "a" in unknown[0].message


def test_a_valid_map_with_every_relation_checks_clean_and_builds(tmp_path):
    root = write_kb(tmp_path, {
        "a": "supports:\n  - target: t\n    with: [b]\n    note: Our reading.\n",
        "b": "",
        "t": "",
        "u": "undercuts:\n  - source: a\n    target: t\n    weight: 0.5\n",
        "r": "restates: [a]\npresenter: bob\n",
    })
    assert [p for p in validate.check(root).problems if p.severity == "error"] == []
    kb, _ = store.load(root)
    G = graph.build(kb)
    assert G["a"]["t"]["linked"] == G["b"]["t"]["linked"] == ("a", "b")
    assert G["b"]["t"]["lead"] == "a" and G["b"]["t"]["note"] == "Our reading."
    assert G["u"]["t"] == {"relation": "undercuts", "weight": 0.5, "note": None, "via": ("a",)}
    assert G["r"]["a"]["relation"] == "restates" and G.nodes["r"]["presenter"] == "bob"
    assert graph.undercutters(G, "a", "t") == ["u"] and graph.undercutters(G, "b", "t") == []
    assert graph.restatement_classes(G) == {"a": "a", "r": "a"}
    assert graph.upstream(G, "t") == {"t", "a", "b", "u", "r"}


def test_presenter_must_be_a_person_and_not_the_speaker(tmp_path):
    root = write_kb(tmp_path, {"a": "presenter: carol\n", "b": "presenter: alice\nattacks: [a]\n"})
    codes = {(f, c) for f, _, _, c in check(root)}
    assert ("a.yaml", "unknown-person") in codes and ("b.yaml", "presenter-is-speaker") in codes


# --- grounded labels --------------------------------------------------------------------------


def labels(edges=(), **kw):
    G = graph.from_edges(list(edges), **kw)
    return {n: str(v) for n, v in semantics.grounded(G).items()}


def test_an_undercut_support_no_longer_carries_attacks_on_its_premise():
    # x attacks a, a supports t: under Cayrol's indirect defeat x defeats t ...
    assert labels([("x", "a", "attacks"), ("a", "t", "supports")])["t"] == "OUT"
    # ... unless u, standing, undercuts the support: then nothing reaches t.
    with_u = labels([("x", "a", "attacks"), ("a", "t", "supports")], undercuts=[("u", "a", "t")])
    assert with_u["t"] == "IN" and with_u["u"] == "IN" and with_u["a"] == "OUT"
    # An undercut alone never attacks the conclusion of the inference it disputes.
    assert labels([("a", "t", "supports")], undercuts=[("u", "a", "t")])["t"] == "IN"


def test_an_undercut_attack_is_defeated_while_its_undercutter_stands():
    assert labels([("a", "t", "attacks")])["t"] == "OUT"
    assert labels([("a", "t", "attacks")], undercuts=[("u", "a", "t")])["t"] == "IN"
    # the undercutter itself defeated: the attack stands again
    assert labels([("a", "t", "attacks"), ("v", "u", "attacks")], undercuts=[("u", "a", "t")])["t"] == "OUT"


def test_a_linked_attack_needs_every_premise():
    assert labels(linked=[(("p1", "p2"), "t", "attacks")])["t"] == "OUT"
    # p2 defeated by x: the linked argument falls, t stands
    assert labels([("x", "p2", "attacks")], linked=[(("p1", "p2"), "t", "attacks")])["t"] == "IN"
    # the same premises as two independent attacks: p1 alone still defeats t
    assert labels([("x", "p2", "attacks"), ("p1", "t", "attacks"), ("p2", "t", "attacks")])["t"] == "OUT"


def test_restatements_share_one_label():
    got = labels([("x", "a", "attacks"), ("b", "t", "attacks")], restates=[("b", "a")])
    assert got["a"] == got["b"] == "OUT" and got["t"] == "IN"


# --- kb explain --------------------------------------------------------------------------------


def test_explain_splits_the_gain_by_shapley_and_it_adds_up():
    # t with supporters s1 (τ .6), s2 (τ .5) under qe: v(∅) = .5, v(1) = .5 + .5h(.6), v(2) = .5 + .5h(.5),
    # v(12) = .5 + .5h(1.1); φ1 = ½[(v1 − v∅) + (v12 − v2)].
    G = graph.from_edges([("s1", "t", "supports"), ("s2", "t", "supports")])
    G.graph["people"] = {"p": {}}
    for n, c in (("s1", 0.6), ("s2", 0.5)):
        G.nodes[n]["stances"] = {"p": c}
    rep = explain(G, "t", perspective="p", method="qe", implied=False)
    v0, v1, v2, v12 = 0.5, 0.5 + 0.5 * h(0.6), 0.5 + 0.5 * h(0.5), 0.5 + 0.5 * h(1.1)
    phi = {c.premises[0]: c.shapley for c in rep.contributions}
    assert phi["s1"] == pytest.approx(0.5 * ((v1 - v0) + (v12 - v2)), abs=1e-12)
    assert phi["s2"] == pytest.approx(0.5 * ((v2 - v0) + (v12 - v1)), abs=1e-12)
    assert rep.total == pytest.approx(rep.strength - rep.base, abs=1e-12) and rep.estimate == "exact"
    removal = {c.premises[0]: c.removal for c in rep.contributions}
    assert removal["s1"] == pytest.approx(v12 - v2, abs=1e-12)
    assert [c.premises[0] for c in rep.contributions] == ["s1", "s2"]  # largest first


def test_explain_estimates_many_arguments_and_still_adds_up_exactly():
    G = graph.from_edges([(f"s{i}", "t", "supports") for i in range(15)] + [("x", "t", "attacks")])
    rep = explain(G, "t", method="drqe")
    assert rep.estimate == "monte-carlo" and rep.permutations > 0
    assert rep.total == pytest.approx(rep.strength - rep.base, abs=1e-9)
    # the attack takes strength away, every supporter adds some
    parts = {c.premises[0]: c.shapley for c in rep.contributions}
    assert parts["x"] < 0 and all(parts[f"s{i}"] > 0 for i in range(15))
    # symmetric supporters get equal shares up to the estimate's error
    spread = max(parts[f"s{i}"] for i in range(15)) - min(parts[f"s{i}"] for i in range(15))
    assert spread <= 6 * max(c.stderr for c in rep.contributions)


def test_explain_shows_linked_and_undercut_arguments_as_one():
    G = graph.from_edges([], linked=[(("p1", "p2"), "t", "supports")], undercuts=[("u", "p1", "t")])
    rep = explain(G, "t", method="qe")
    (only,) = rep.contributions
    assert only.premises == ["p1", "p2"] and only.undercutters == ["u"]
    assert only.strength == pytest.approx(0.5 * (1 - 0.5), abs=1e-15)
    assert only.shapley == pytest.approx(rep.strength - 0.5, abs=1e-15)


def test_explain_command_prints_contributions_and_their_sum(tmp_path):
    root = write_kb(tmp_path, {"a": "supports: [t]\n", "b": "attacks: [t]\n", "t": ""})
    out = CliRunner().invoke(cli, ["--kb", str(root), "explain", "t", "--semantics", "qe"])
    assert out.exit_code == 0, out.output
    assert "contributions add up to" in out.output and "supports" in out.output and "attacks" in out.output
    data = CliRunner().invoke(cli, ["--kb", str(root), "explain", "t", "--format", "json"])
    import json

    rep = json.loads(data.output)
    assert math.isclose(sum(c["shapley"] for c in rep["contributions"]), rep["strength"] - rep["base"],
                        abs_tol=1e-12)


# --- analysis warnings -----------------------------------------------------------------------


def analysis_codes(root: Path) -> list[tuple[str, str]]:
    return sorted((Path(p.path).name, p.code) for p in validate.check(root, analysis=True).problems
                  if p.code not in ("missing-quote", "orphan", "unchallenged-theory"))


def test_no_analysis_warning_on_a_balanced_map(tmp_path):
    root = write_kb(tmp_path, {
        "t": "tags: [thesis]\nstances: {bob: 0.3}\n",
        "a": "supports: [t]\n",
        "b": "speaker: bob\nattacks: [t]\n".replace("speaker: bob\n", ""),
    })
    assert analysis_codes(root) == []


def test_contradicted_stance_is_warned_about_in_the_stance(tmp_path):
    # bob records .9 on t, but from his perspective t is strongly attacked and nothing supports it
    root = write_kb(tmp_path, {
        "t": "tags: [thesis]\nstances:\n  bob: 0.9\n",
        "a": "attacks: [t]\nstances: {bob: 1.0}\n",
        "b": "attacks: [t]\nstances: {bob: 1.0}\n",
    })
    problems = [p for p in validate.check(root, analysis=True).problems if p.code == "perspective-contradicts-stance"]
    assert len(problems) == 1 and Path(problems[0].path).name == "t.yaml"
    assert (problems[0].line, problems[0].col) == (8, 3) and "bob records 0.9" in problems[0].message


def test_mutual_attack_both_accepted_is_warned_about(tmp_path):
    root = write_kb(tmp_path, {
        "p": "attacks: [q]\n",
        "q": "attacks: [p]\n",
        "sp1": "supports: [p]\n", "sp2": "supports: [p]\n",
        "sq1": "supports: [q]\n", "sq2": "supports: [q]\n",
    })
    assert ("p.yaml", "mutual-attack-accepted") in analysis_codes(root)
    # with only one side supported, the other is rejected: no warning
    (root / "sq1.yaml").unlink()
    (root / "sq2.yaml").unlink()
    assert ("p.yaml", "mutual-attack-accepted") not in analysis_codes(root)


def test_saturation_is_warned_about_only_when_many_arguments_cause_it(tmp_path):
    many = {f"s{i}": "supports: [t]\n" for i in range(30)}
    root = write_kb(tmp_path, {"t": "", **many})
    codes = validate.check(root, analysis=True)
    # drqe does not saturate: 30 supporters at .5 stay well below .99
    assert not [p for p in codes.problems if p.code == "saturated"]
    kb, _ = store.load(root)
    G = graph.build(kb)
    saturated = [p for p in analysis_problems(kb, G, method="qe") if p.code == "saturated"]
    assert [Path(p.path).name for p in saturated] == ["t.yaml"]
    # one supporter that alone lifts a node to 1 is not saturation
    root2 = write_kb(tmp_path / "x", {"t": "", "s": "supports: [t]\nstances: {alice: 1.0}\n"})
    kb2, _ = store.load(root2)
    assert not [p for p in analysis_problems(kb2, graph.build(kb2), method="qe") if p.code == "saturated"]


def test_thesis_without_crux_is_warned_about_and_strict_makes_it_an_error(tmp_path):
    many = {f"s{i}": "supports: [t]\n" for i in range(40)}
    root = write_kb(tmp_path, {"t": "tags: [thesis]\n", **many})
    kb, _ = store.load(root)
    assert [p.code for p in analysis_problems(kb, graph.build(kb), method="qe") if p.code == "no-crux"] == ["no-crux"]
    root2 = write_kb(tmp_path / "y", {"t": "tags: [thesis]\n", "s": "supports: [t]\n"})
    assert ("t.yaml", "no-crux") not in analysis_codes(root2)
    out = CliRunner().invoke(cli, ["--kb", str(root2), "check", "--analysis", "--strict"])
    assert out.exit_code == 1  # missing quotes are errors under --strict anyway; analysis adds none here
    assert "no-crux" not in out.output


def test_list_tells_holders_from_presenters(tmp_path):
    root = write_kb(tmp_path, {"a": "", "b": "speaker: bob\npresenter: alice\nattacks: [a]\n".replace(
        "speaker: bob\n", "")})
    # b's file has speaker alice from the header; give it a holder of its own
    (root / "b.yaml").write_text((root / "b.yaml").read_text().replace("speaker: alice", "speaker: bob"))
    run = CliRunner().invoke
    held = run(cli, ["--kb", str(root), "list", "--speaker", "alice", "--format", "json"])
    presented = run(cli, ["--kb", str(root), "list", "--presenter", "alice", "--format", "json"])
    import json

    assert [n["id"] for n in json.loads(held.output)["nodes"]] == ["a"]
    assert [(n["id"], n["speaker"], n["presenter"]) for n in json.loads(presented.output)["nodes"]] == [
        ("b", "bob", "alice")]
    table = run(cli, ["--kb", str(root), "list"]).output
    assert "bob (presented by alice)" in table


def test_a_circle_of_supports_through_a_linked_argument_stands():
    # nothing attacks anything: every node is IN, also around a circle that runs through a linked argument
    got = labels([("n0", "n2", "supports"), ("n2", "n1", "supports")], linked=[(("n1", "n3"), "n0", "supports")])
    assert set(got.values()) == {"IN"}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

node = st.sampled_from([f"n{i}" for i in range(6)])


@settings(max_examples=80, deadline=None)
@given(plain=st.lists(st.tuples(node, node), max_size=8), groups=st.lists(st.tuples(st.sets(node, min_size=2, max_size=3), node), max_size=3))
def test_without_attacks_everything_is_in(plain, groups):
    edges = list({(u, v): (u, v, "supports") for u, v in plain if u != v}.values())
    linked = []
    taken = {(u, v) for u, v, _ in edges}
    for premises, target in groups:
        if target in premises or any((p, target) in taken for p in premises):
            continue
        taken |= {(p, target) for p in premises}
        linked.append((tuple(sorted(premises)), target, "supports"))
    got = labels(edges, linked=linked)
    assert set(got.values()) <= {"IN"}


def test_diff_lists_analysis_warnings_added_and_fixed(tmp_path):
    from kb.analysis import diffing

    nodes = {"t": "tags: [thesis]\nstances:\n  bob: 0.9\n", "a": "attacks: [t]\nstances: {bob: 1.0}\n",
             "b": "attacks: [t]\nstances: {bob: 1.0}\n"}
    before, _ = store.load(write_kb(tmp_path / "old", nodes))
    fixed = dict(nodes, t="tags: [thesis]\nstances:\n  bob: 0.1\n")  # bob's stance now agrees with his perspective
    after, _ = store.load(write_kb(tmp_path / "new", fixed))
    report = diffing.analysis(before, after)
    assert [(c, i) for c, i, _ in report.warnings_fixed] == [("perspective-contradicts-stance", "t")]
    assert report.warnings_added == []
    back = diffing.analysis(after, before)
    assert [(c, i) for c, i, _ in back.warnings_added] == [("perspective-contradicts-stance", "t")]


def test_check_reads_the_source_texts_named_by_the_knowledge_bases_settings(tmp_path):
    # kb.toml names the folders of the source texts; kb check (no --sources) reads them from there
    root = write_kb(tmp_path, {"a": "", "t": "supports: [a]\n".replace("supports: [a]\n", "")})
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "doc1.txt").write_text("nothing quoted here\n", encoding="utf-8")
    (root / "kb.toml").write_text('sources_dir = ["../texts"]\n', encoding="utf-8")
    quoted = (root / "a.yaml").read_text().replace("source: {document: doc1}", "source: {document: doc1, quote: not there}")
    (root / "a.yaml").write_text(quoted)
    out = CliRunner().invoke(cli, ["--kb", str(root), "check"])
    assert "Traceback" not in out.output and out.exception is None or isinstance(out.exception, SystemExit)
    assert "quote-not-found" in out.output and out.exit_code == 1
