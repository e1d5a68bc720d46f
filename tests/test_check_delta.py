"""kb check after a few files changed (kb.rules.delta): the same answer as a whole check, from less work."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import synth
from kb.cli import cli
from kb.data import cache, compiled
from kb.rules import delta, validate

@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("delta")
    synth.generate(base / "claims", 150, seed=3, sources_dir=base / "texts")
    return base / "claims", base / "texts"


@pytest.fixture
def kb(written, tmp_path) -> tuple[Path, Path]:
    root = tmp_path / "claims"
    shutil.copytree(written[0], root)
    return root, written[1]


def shown(problems) -> list[tuple]:
    return [(p.path, p.line, p.col, p.code, p.message, p.severity) for p in problems]


def whole(root: Path, texts: Path | None = None) -> list[tuple]:
    """What a check of the whole map reports, with no cache at all."""
    return shown(validate.check(root, texts, cache=False).problems)


@pytest.fixture
def answered(monkeypatch) -> list[bool]:
    """Whether each check was answered from the last one's record (True) or by a whole check."""
    seen: list[bool] = []
    real = compiled._from_record

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(compiled, "_from_record", spy)
    return seen


def node_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.name not in ("people.yaml", "sources.yaml"))


def _block(text: str, key: str, lines: list[str]) -> str:
    """The node file with lines put first under a top-level key (made when missing), indented as the
    files are."""
    block = "".join("  " + line + "\n" for line in lines)
    if f"\n{key}:\n" in text:
        return text.replace(f"\n{key}:\n", f"\n{key}:\n" + block, 1)
    assert not re.search(rf"^{key}:", text, re.M), "a key written in a form the edits do not handle"
    return text.rstrip("\n") + f"\n{key}:\n" + block


def _unlinked(text: str) -> str:
    """The node file with every relation it declares taken away."""
    return re.sub(r"^(supports|attacks|undercuts|restates):\n(?:[- ].*\n?)*", "", text, flags=re.M)


def _title(text: str) -> str:
    return re.search(r"^title: (.*)$", text, re.M).group(1)


def edit(rng: random.Random, root: Path) -> str:
    """One change to one node file's content, the files staying the same ("break" makes the node
    unreadable, the one change only a whole check can take)."""
    files = node_files(root)
    path = rng.choice(files)
    other = rng.choice(files).stem
    third = rng.choice(files).stem
    text = path.read_text()
    op = rng.choice(["near-title", "title", "support", "again", "dangling", "unlink", "undercut", "restate",
                     "speaker", "stance", "quote", "presenter", "break"])
    if op == "near-title":  # a title that nearly repeats another's: a possible duplicate appears
        twin = _title(rng.choice(files).read_text())
        text = re.sub(r"^title: .*$", lambda _: "title: " + twin.replace("e", "a", 1), text, count=1, flags=re.M)
    elif op == "title":
        text = re.sub(r"^title: .*$", lambda _: f"title: Quite another title {rng.randrange(10**6)}", text, count=1,
                      flags=re.M)
    elif op == "support":
        text = _block(text, "supports", [f"- {other}"])
    elif op == "again":  # an edge this file or another already declares
        found = re.search(r"^\s*- (?:target: )?(n\d+)$", text, re.M)
        text = _block(text, "attacks", [f"- {found.group(1) if found else other}", f"- {other}"])
    elif op == "dangling":
        text = _block(text, "supports", [f"- {other}x"])
    elif op == "unlink":  # every edge of the file taken away: it may become an orphan, its targets unchallenged
        text = _unlinked(text)
    elif op == "undercut":
        text = _block(text, "undercuts", [f"- source: {other}", f"  target: {third}"])
    elif op == "restate":
        text = _block(text, "restates", [f"- {other}"])
    elif op == "speaker":
        text = re.sub(r"^speaker: .*$", rng.choice(["speaker: person-0", "speaker: nobody-known"]), text, count=1,
                      flags=re.M)
    elif op == "stance":
        who = rng.choice(["person-1", "person-2", "stranger", "another-stranger"])
        if f"\n  {who}:" not in text:
            text = _block(text, "stances", [f"{who}: 0.3"])
    elif op == "quote":  # a quote the source's text does not hold
        text = re.sub(r"^  quote: .*$", "  quote: words no source ever wrote down", text, count=1, flags=re.M)
    elif op == "presenter":
        text = text.rstrip("\n") + f"\npresenter: {rng.choice(['person-0', 'person-1', 'someone'])}\n" \
            if "\npresenter:" not in text else text
    elif op == "break":  # a node no longer read: only a whole check can say what that does to the rest
        text = text.replace("\nkind: ", "\nkind: no-such-kind\nkindx: ", 1)
    path.write_text(text)
    return op


@pytest.mark.parametrize("with_texts", [False, True], ids=["plain", "with-sources"])
def test_checks_after_random_edits_answer_as_a_whole_check(kb, answered, with_texts):
    root, texts = kb
    sources = texts if with_texts else None
    rng = random.Random(17 + with_texts)
    assert shown(compiled.check(root, sources).problems) == whole(root, sources)
    ops: dict[str, int] = {}
    codes: set[str] = set()
    for _ in range(45):
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            op = edit(rng, root)
            ops[op] = ops.get(op, 0) + 1
        expected = whole(root, sources)
        assert shown(compiled.check(root, sources).problems) == expected, ops
        codes.update(p[3] for p in expected)
        if "\nkindx: " in "".join(p.read_text() for p in node_files(root)):
            for path in node_files(root):  # read again: the next edits are taken from a map without errors
                path.write_text(path.read_text().replace("kind: no-such-kind\nkindx: ", "kind: ", 1))
    # The edits made the problems the concerned nodes' rules find, and most checks were answered from
    # the record (a broken node, and the check after it is mended, are whole ones).
    # (An orphan made by an edit elsewhere has a test of its own, below.)
    assert {"possible-duplicate", "duplicate-edge", "unknown-target", "unknown-edge", "unknown-speaker",
            "unknown-person"} <= codes
    assert not with_texts or "quote-not-found" in codes
    assert sum(answered) >= 25 and not all(answered)


def test_the_command_prints_what_a_check_without_the_cache_prints(kb, answered):
    root, _ = kb

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--kb", str(root), *args])
        return result.exit_code, result.output

    run("check")
    path = node_files(root)[5]
    path.write_text(_block(path.read_text(), "supports", [f"- {node_files(root)[9].stem}x"]))
    assert run("check") == run("--no-cache", "check")
    assert run("check", "--format", "json") == run("--no-cache", "check", "--format", "json")
    assert answered[:2] == [False, True]  # the first check found no record; the one after the edit used it
    assert "unknown-target" in run("check")[1]


def test_an_edit_to_a_node_reaches_the_lint_of_the_nodes_it_named(kb, answered):
    """Whether anything links to a node decides its warnings: taking away the one edge into a node
    makes that node an orphan, though its own file did not change."""
    root, _ = kb
    lonely = node_files(root)[0]
    lonely.write_text(_unlinked(lonely.read_text()))
    for path in node_files(root)[1:]:  # nothing else names it
        path.write_text(re.sub(rf"^(\s*-\s*(?:target: |source: )?){lonely.stem}$", r"\g<1>" + node_files(root)[1].stem,
                               path.read_text(), flags=re.M))
    friend = node_files(root)[2]
    friend.write_text(_block(friend.read_text(), "supports", [f"- {lonely.stem}", f"- {node_files(root)[3].stem}"]))
    compiled.check(root)
    assert not any(p[3] == "orphan" and lonely.name in p[0] for p in whole(root))
    friend.write_text(friend.read_text().replace(f"- {lonely.stem}\n", "", 1))
    now = shown(compiled.check(root).problems)
    assert answered[-1] is True
    assert now == whole(root)
    assert any(p[3] == "orphan" and lonely.name in p[0] for p in now)


def test_a_damaged_or_foreign_record_is_a_whole_check(kb, answered):
    root, _ = kb
    compiled.check(root)
    path = node_files(root)[3]
    damages = [lambda r: {**r, "facts": {i: [[["a"]], 5, None, 1] for i in r["facts"]}},
               lambda r: {**r, "frame": "another map"}, lambda r: {**r, "ids": 7}, lambda r: "not a record"]
    for turn, damage in enumerate(damages):
        opened = cache.Cache.open(root)
        try:
            key = next(k for (k,) in opened._conn.execute("SELECT key FROM blobs") if k.startswith(delta.KEY))
            opened.put_blob(key, damage(opened.get_blob(key)))
        finally:
            opened.close()
        for kept in (False, True):  # damaged: a whole check; the record that check kept: answered from it
            path.write_text(re.sub(r"^title: .*$", f"title: Edited {turn} {kept}", path.read_text(), count=1,
                                   flags=re.M))
            assert shown(compiled.check(root).problems) == whole(root)
            assert len(answered) == 2 * turn + 2 + kept and answered[-1] is kept


def test_an_edge_added_in_one_file_settles_an_undercut_in_another(kb, answered):
    """An undercut names an edge of another file: when that file gains the edge, the undercut's
    file has one problem fewer, though it did not change."""
    root, _ = kb
    files = node_files(root)
    a, b, c = files[4], files[6], files[8]
    a.write_text(_unlinked(a.read_text()))
    c.write_text(_block(c.read_text(), "undercuts", [f"- source: {a.stem}", f"  target: {b.stem}"]))
    before = shown(compiled.check(root).problems)
    assert any(p[3] == "unknown-edge" and c.name in p[0] for p in before)
    a.write_text(_block(a.read_text(), "supports", [f"- {b.stem}"]))
    after = shown(compiled.check(root).problems)
    assert answered[-1] is True
    assert after == whole(root)
    assert not any(p[3] == "unknown-edge" and c.name in p[0] for p in after)


def test_a_node_named_only_as_an_undercut_source_is_no_orphan(kb, answered):
    root, _ = kb
    files = node_files(root)
    lonely, c = files[0], files[8]
    lonely.write_text(_unlinked(lonely.read_text()))
    for path in files[1:]:  # nothing else names it
        path.write_text(re.sub(rf"^(\s*-?\s*(?:target: |source: )?){lonely.stem}$", r"\g<1>" + files[1].stem,
                               path.read_text(), flags=re.M))
    assert any(p[3] == "orphan" and lonely.name in p[0] for p in shown(compiled.check(root).problems))
    c.write_text(_block(c.read_text(), "undercuts", [f"- source: {lonely.stem}", f"  target: {files[3].stem}"]))
    after = shown(compiled.check(root).problems)
    assert answered[-1] is True
    assert after == whole(root)
    assert not any(p[3] == "orphan" and lonely.name in p[0] for p in after)
