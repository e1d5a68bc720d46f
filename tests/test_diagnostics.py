"""Contradicted stances: a warning when what the person engaged with contradicts them, a note when only
arguments they never answered do.

Every expected strength below is computed by hand under the default semantics (drqe: drsum aggregation,
quadratic influence). With h(x) = x² / (1 + x²), a node of base τ whose only argument is one attacker of
strength a ends at τ − τ·h(a), and with one supporter of strength s at τ + (1 − τ)·h(s).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.analysis import graph
from kb.data import store
from kb.rules import validate
from kb.cli import cli
from kb.rules.diagnostics import analysis_findings, analysis_problems, unaddressed
from kb.analysis.semantics import priors

from conftest import BASE


def h(x: float) -> float:
    return x * x / (1 + x * x)


def write_kb(tmp_path: Path, nodes: dict[str, str]) -> Path:
    """Nodes held by alice unless the body says otherwise; every node quoted, so that --strict adds nothing."""
    root = tmp_path / "claims"
    root.mkdir(parents=True)
    (root / "people.yaml").write_text("- id: alice\n  name: Alice\n- id: bob\n  name: Bob\n")
    (root / "sources.yaml").write_text((BASE / "sources.yaml").read_text())
    for node_id, body in nodes.items():
        body = textwrap.dedent(body)
        speaker = "" if "speaker:" in body else "speaker: alice\n"
        (root / f"{node_id}.yaml").write_text(
            f"kind: claim\ntitle: {node_id}\ntext: {node_id}.\n{speaker}"
            f"source: {{document: doc1, quote: words of {node_id}}}\n" + body)
    return root


def findings(root: Path) -> list:
    kb, problems = store.load(root)
    assert not [p for p in problems if p.severity == "error"]
    return [p for p in analysis_findings(kb, graph.build(kb))
            if p.code in ("perspective-contradicts-stance", "unanswered")]


# bob holds t (recorded 0.6); alice's r attacks it and bob never says a word about r.
UNANSWERED = {
    "t": "speaker: bob\nstances: {bob: 0.6}\n",
    "r": "attacks: [t]\n",
}


def test_a_rebuttal_the_person_never_answered_gives_a_note_not_a_warning(tmp_path):
    got = findings(write_kb(tmp_path, UNANSWERED))
    # from bob's perspective r keeps the default 0.5, so t = 0.6 - 0.6·h(0.5) = 0.6 - 0.12 = 0.48: rejected,
    # against his 0.6. Without r (which he never addressed) t stays at its base, 0.6: accepted.
    assert [(Path(p.path).name, p.code, p.severity) for p in got] == [("t.yaml", "unanswered", "note")]
    assert 0.6 - 0.6 * h(0.5) == pytest.approx(0.48)
    assert got[0].message == "bob records 0.6; the arguments bob never answered bring it to 0.480 (0.600 without them): r"
    assert got[0].loc == ("stances", "bob")


def test_a_conceded_rebuttal_still_warns(tmp_path):
    # bob records 0.7 on r: he engaged with it, so the contradiction is the map's to explain
    root = write_kb(tmp_path, dict(UNANSWERED, r="attacks: [t]\nstances: {bob: 0.7}\n"))
    got = findings(root)
    assert [(Path(p.path).name, p.code, p.severity) for p in got] == [("t.yaml", "perspective-contradicts-stance",
                                                                        "warning")]
    expected = 0.6 - 0.6 * h(0.7)  # 0.4027
    assert f"computes {expected:.3f} (rejected), and still {expected:.3f} from what bob engaged with" in got[0].message


def test_a_rebuttal_fed_by_something_the_person_holds_is_engaged(tmp_path):
    # r itself gets no credence from bob, but it rests on s, on which bob records 0.9: r stays in
    root = write_kb(tmp_path, dict(UNANSWERED, r="attacks: [t]\n", s="supports: [r]\nstances: {bob: 0.9}\n"))
    got = findings(root)
    assert [p.code for p in got] == ["perspective-contradicts-stance"]
    r = 0.5 + 0.5 * h(0.9)  # 0.7238
    t = 0.6 - 0.6 * h(r)  # 0.3937
    assert f"computes {t:.3f} (rejected), and still {t:.3f}" in got[0].message


def test_only_the_unanswered_part_is_left_out(tmp_path):
    # bob concedes a weak rebuttal r1 (0.3) and ignores r2. Full: drsum of the attacks 0.5 + 0.3/2 = 0.65,
    # t = 0.6 - 0.6·h(0.65) = 0.4217, rejected. Engaged only: t = 0.6 - 0.6·h(0.3) = 0.5450, accepted -> a note
    # naming r2 but not r1.
    root = write_kb(tmp_path, {"t": "speaker: bob\nstances: {bob: 0.6}\n",
                               "r1": "attacks: [t]\nstances: {bob: 0.3}\n", "r2": "attacks: [t]\n"})
    got = findings(root)
    full, kept = 0.6 - 0.6 * h(0.65), 0.6 - 0.6 * h(0.3)
    assert [p.code for p in got] == ["unanswered"]
    assert got[0].message.endswith(f"bring it to {full:.3f} ({kept:.3f} without them): r2")


def test_an_undercut_the_person_never_answered_is_named(tmp_path):
    # bob holds t (0.51) because of s (0.6); alice's u undercuts s -> t and alice's a attacks t; bob answers
    # neither. Full: u = a = 0.5, the support counts 0.6·(1 - 0.5) = 0.3 against the attack's 0.5, α = -0.2,
    # t = 0.51 - 0.51·h(0.2) = 0.4904, rejected. Without u and a: t = 0.51 + 0.49·h(0.6) = 0.6397, accepted.
    root = write_kb(tmp_path, {
        "t": "speaker: bob\nstances: {bob: 0.51}\n",
        "s": "speaker: bob\nsupports: [t]\nstances: {bob: 0.6}\n",
        "a": "attacks: [t]\n",
        "u": "undercuts:\n  - source: s\n    target: t\n",
    })
    got = findings(root)
    full, kept = 0.51 - 0.51 * h(0.2), 0.51 + 0.49 * h(0.6)
    assert [p.code for p in got] == ["unanswered"]
    # the attack is named first, the undercut after it with the inference it disputes
    assert got[0].message.endswith(f"bring it to {full:.3f} ({kept:.3f} without them): a, u (undercutting s)")


def test_unaddressed_follows_arguments_undercuts_and_restatements(tmp_path):
    root = write_kb(tmp_path, {
        "t": "speaker: bob\n",  # bob holds t
        "x": "supports: [t]\n",  # alice's; nothing of bob's upstream
        "y": "restates: [z]\n",  # y restates z, which bob's t supports: reached through the class
        "z": "",
        "w": "undercuts:\n  - source: x\n    target: t\n",  # upstream of nothing bob said
        "v": "attacks: [t]\nstances: {bob: 0.3}\n",
        "q": "supports: [y]\n",
    })
    (root / "t.yaml").write_text((root / "t.yaml").read_text() + "supports: [z]\n")
    kb, _ = store.load(root)
    G = graph.build(kb)
    silent = unaddressed(G, priors(G, "bob"))
    # t: held; v: recorded; z: reached from t; y: restates z; x, w, q: nothing of bob's upstream
    assert silent == {"x", "w", "q"}


def test_strict_check_fails_on_the_warning_and_not_on_the_note(tmp_path):
    run = CliRunner().invoke
    quiet = write_kb(tmp_path / "a", UNANSWERED)
    out = run(cli, ["--kb", str(quiet), "check", "--analysis", "--strict", "--format", "text"])
    assert out.exit_code == 0, out.output
    assert "t.yaml:6:11: note[unanswered]: bob records 0.6" in out.output
    assert out.output.strip().endswith("no problems, 1 note")
    loud = write_kb(tmp_path / "b", dict(UNANSWERED, r="attacks: [t]\nstances: {bob: 0.7}\n"))
    out = run(cli, ["--kb", str(loud), "check", "--analysis", "--strict"])
    assert out.exit_code == 1 and "error[perspective-contradicts-stance]" in out.output
    # the library's warnings-only view (kb diff compares these) leaves notes out
    kb, _ = store.load(quiet)
    G = graph.build(kb)
    assert "unanswered" in [p.code for p in analysis_findings(kb, G)]
    assert "unanswered" not in [p.code for p in analysis_problems(kb, G)]
    assert not [p for p in validate.check(quiet, analysis=True, strict=True).problems if p.severity == "error"]


def _fixed_point(step, x: tuple[float, float], rounds: int = 200) -> tuple[float, float]:
    for _ in range(rounds):
        x = step(x)
    return x


def test_two_rivals_both_accepted_only_through_unanswered_support_give_a_note(tmp_path):
    # p and q (alice's) attack each other; bob records 0.7 on p and says nothing of q, nor of s1 and s2, on
    # which q rests. (Were p bob's own, his holding it would make him dispute q, which it attacks.)
    root = write_kb(tmp_path, {
        "p": "attacks: [q]\nstances: {bob: 0.7}\n",
        "q": "attacks: [p]\n",
        "s1": "supports: [q]\n", "s2": "supports: [q]\n",
    })

    def signed(tau: float, alpha: float) -> float:
        return tau + (1 - tau) * h(alpha) if alpha >= 0 else tau - tau * h(-alpha)

    # bob's whole perspective: s1 = s2 = 0.5, so q's support side is 0.5 + 0.5/2 = 0.75
    p, q = _fixed_point(lambda x: (signed(0.7, -x[1]), signed(0.5, 0.75 - x[0])), (0.7, 0.5))
    assert p > 0.5 and q > 0.5  # ~0.551 and ~0.519: both accepted
    # without s1 and s2 q has only p against it
    p2, q2 = _fixed_point(lambda x: (signed(0.7, -x[1]), signed(0.5, -x[0])), (0.7, 0.5))
    assert p2 > 0.5 > q2  # ~0.617 and ~0.362
    got = [p_ for p_ in findings_all(root) if p_.code in ("mutual-attack-accepted", "unanswered")]
    assert [(Path(x.path).name, x.code, x.severity) for x in got] == [("p.yaml", "unanswered", "note")]
    assert f"from what bob engaged with: {p2:.3f} and {q2:.3f}" in got[0].message
    # once bob grants s1 (0.7), q rests on something he engaged with and stays accepted without s2:
    # both accepted is a warning again
    full = _fixed_point(lambda x: (signed(0.7, -x[1]), signed(0.5, 0.7 + 0.5 / 2 - x[0])), (0.7, 0.5))
    kept = _fixed_point(lambda x: (signed(0.7, -x[1]), signed(0.5, 0.7 - x[0])), (0.7, 0.5))
    assert min(full) > 0.5 and min(kept) > 0.5  # ~(0.526, 0.576) and ~(0.556, 0.510)
    root2 = write_kb(tmp_path / "b", {
        "p": "attacks: [q]\nstances: {bob: 0.7}\n", "q": "attacks: [p]\n",
        "s1": "supports: [q]\nstances: {bob: 0.7}\n", "s2": "supports: [q]\n",
    })
    codes = [(x.code, x.severity) for x in findings_all(root2) if x.code in ("mutual-attack-accepted", "unanswered")]
    assert codes == [("mutual-attack-accepted", "warning")]


def findings_all(root: Path) -> list:
    kb, _ = store.load(root)
    return analysis_findings(kb, graph.build(kb))


def test_unanswered_arguments_further_up_are_named_through_the_engaged_one(tmp_path):
    # bob grants r only 0.3, but r rests on x1 and x2, which he never addressed. Full: r = 0.3 + 0.7·h(0.75)
    # = 0.552, t = 0.6 - 0.6·h(0.552) = 0.460, rejected. Without x1, x2: r = 0.3, t = 0.6 - 0.6·h(0.3) = 0.550.
    root = write_kb(tmp_path, {"t": "speaker: bob\nstances: {bob: 0.6}\n", "r": "attacks: [t]\nstances: {bob: 0.3}\n",
                               "x1": "supports: [r]\n", "x2": "supports: [r]\n"})
    r = 0.3 + 0.7 * h(0.75)
    full, kept = 0.6 - 0.6 * h(r), 0.6 - 0.6 * h(0.3)
    got = findings(root)
    # r's own stance is contradicted by x1 and x2 as well (0.552 against his 0.3): a note on r naming them
    assert [(Path(p.path).name, p.code) for p in got] == [("r.yaml", "unanswered"), ("t.yaml", "unanswered")]
    assert got[0].message.startswith(f"bob records 0.3; the arguments bob never answered bring it to {r:.3f} (0.300")
    got = got[1:]
    head = f"bob records 0.6; the arguments bob never answered bring it to {full:.3f} ({kept:.3f} without them): through r, "
    assert got[0].message.startswith(head)
    assert sorted(got[0].message[len(head):].split(", ")) == ["x1", "x2"]
