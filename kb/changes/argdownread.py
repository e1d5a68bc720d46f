"""Reading an Argdown document, through the official Argdown parser, into plain claims and arguments.

Argdown's syntax has many corners (premise–conclusion structures, inference
rules, equivalence classes, relations between arguments, frontmatter), so kb
does not parse it itself: it runs the Argdown CLI (``@argdown/cli`` from npm,
found as ``$KB_ARGDOWN``, else ``argdown`` on the PATH) and reads the JSON the
CLI exports. That JSON is then reduced to what a ``kb`` map holds, in the shape
:mod:`kb.changes.aifread` produces, so that the one importer plans, checks and writes
both:

* each equivalence class (statement) is a claim; members that carry their own
  ``id`` in a data block (as ``kb``'s export writes restatements) are claims
  restating the first;
* an argument without a premise–conclusion structure is a claim too (its
  description is the text): on an Argdown map it is a box like any statement;
* an argument with one contributes no claim: each inference in it is a linked
  support from its premises (the statements since the previous conclusion, and
  that conclusion) to its conclusion, keeping the inference rules as the
  scheme; relations from the argument start at its main conclusion;
* support and entailment are supports, attack an attack, contrary and
  contradictory a pair of attacks; an undercut (or an attack) of an argument
  with a structure undercuts its last inference, and one of an inference that
  inference.

What has no counterpart (frontmatter, data blocks of foreign maps, sections)
is reported in the notes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kb.changes.aifread import AifMap, Claim, Relation, Undercut
from kb.data.errors import KBError

ENV = "KB_ARGDOWN"
TIMEOUT = 300
SUPPORTING = {"support", "entails"}
ATTACKING = {"attack"}
SYMMETRIC = {"contrary", "contradictory"}


def parser() -> str:
    """The Argdown CLI to run, or a KBError saying how to install it."""
    found = os.environ.get(ENV) or shutil.which("argdown")
    if found and Path(found).exists():
        return found
    raise KBError("kb import argdown needs the Argdown CLI, which was not found: install it with "
                  f"`npm install -g @argdown/cli` (Node 18+), or set {ENV} to its path")


def parse_file(path: Path, display: str) -> dict:
    """The JSON the Argdown CLI exports for a file; KBError with the parser's own message otherwise."""
    binary = parser()
    with tempfile.TemporaryDirectory(prefix="kb-argdown-") as tmp:
        source = Path(tmp) / "map.argdown"
        try:
            source.write_bytes(path.read_bytes())
        except OSError as exc:
            raise KBError(f"{display}: cannot read file: {exc.strerror or exc}") from None
        try:
            run = subprocess.run([binary, "json", str(source), str(Path(tmp) / "out")], capture_output=True,
                                 text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KBError(f"{display}: the Argdown CLI could not run: {exc}") from None
        out = Path(tmp) / "out" / "map.json"
        if run.returncode != 0 or not out.exists():
            message = " ".join(_strip_ansi(run.stdout + " " + run.stderr).split()) or "no output"
            raise KBError(f"{display}: the Argdown parser refused the file: {message.replace(str(source), display)}; "
                          "nothing was written")
        return json.loads(out.read_text(encoding="utf-8"))


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _member_text(member: dict) -> str:
    """A definition's text without the tags Argdown leaves in it."""
    text = member.get("text") or ""
    starts = [r["start"] for r in member.get("ranges", []) if r.get("type") == "tag"]
    if starts:  # Argdown's ranges count UTF-16 code units, as JavaScript strings do
        text = text.encode("utf-16-le")[: 2 * min(starts)].decode("utf-16-le", errors="ignore")
    return " ".join(text.split())


def reduce(parsed: dict) -> AifMap:
    """The claims and relations of an Argdown map (the CLI's JSON)."""
    notes: list[str] = []
    claims: dict[str, Claim] = {}
    restatements: list[tuple[str, str]] = []
    node_of: dict[str, str] = {}  # statement title -> key of its claim
    against: dict[str, str] = {}  # kb's auxiliary "Not so" statements -> the title they attack

    def add(key: str, text: str, meta: dict) -> None:
        claims[key] = Claim(key, text or meta.get("title") or key, meta)

    for title, statement in parsed.get("statements", {}).items():
        data = statement.get("data") or {}
        if isinstance(data.get("against"), str):
            against[title] = data["against"]
            continue
        members = [m for m in statement.get("members", []) if not m.get("isReference") and _member_text(m)]
        own = [m for m in members if isinstance((m.get("data") or {}).get("id"), str)]
        if len(own) > 1:  # kb's export of a restatement class: one claim per member
            for m in own:
                add(f"s:{title}:{m['data']['id']}", _member_text(m), _meta(m.get("data"), title, m.get("tags")))
            first = f"s:{title}:{own[0]['data']['id']}"
            restatements += [(f"s:{title}:{m['data']['id']}", first) for m in own[1:]]
            node_of[title] = first
            continue
        text = " ".join(_member_text(m) for m in members[:1]) or title
        add(f"s:{title}", text, _meta(data, title, statement.get("tags")))
        node_of[title] = f"s:{title}"
        if len(members) > 1:
            notes.append(f"statement [{title}] has {len(members)} definitions (an equivalence class): "
                         "kept the first text only")
        if data and "id" not in data:
            notes.append(f"the data block of [{title}] has no kb counterpart: not imported")

    relations: list[Relation] = []
    inferences: dict[str, list[Relation]] = {}  # argument title -> its inferences, in order
    conclusion_of: dict[str, str] = {}  # argument title -> key of its main conclusion
    for title, argument in parsed.get("arguments", {}).items():
        pcs = argument.get("pcs") or []
        if not pcs:
            descriptions = [m for m in argument.get("members", []) if _member_text(m)]
            add(f"a:{title}", _member_text(descriptions[0]) if descriptions else title,
                _meta(argument.get("data"), title, argument.get("tags")))
            node_of.setdefault(f"<{title}>", f"a:{title}")
            continue
        since: list[str] = []
        for member in pcs:
            key = node_of.get(member["title"]) if member["title"] not in against else None
            if "inference" not in member:
                if key is not None:
                    since.append(key)
                continue
            inference = member["inference"]
            rules = [r for r in inference.get("inferenceRules") or [] if isinstance(r, str) and r.strip()]
            meta = {"index": inference.get("conclusionIndex")}
            if member["title"] in against:
                target = node_of.get(against_target(parsed, member["title"]))
                relation = "attacks"
            else:
                target, relation = key, "supports"
            premises = [p for p in dict.fromkeys(since) if p != target]
            if target is None or not premises:
                notes.append(f"skipped an inference of <{title}>: it has no premise or no conclusion kb can hold")
                since = [target] if target else []
                continue
            rel = Relation(premises[0], target, relation, meta, premises[1:], ", ".join(rules) or None, title)
            relations.append(rel)
            inferences.setdefault(title, []).append(rel)
            conclusion_of[title] = target
            since = [target]

    undercuts: list[Undercut] = []
    # Undercuts last: one of an argument without a structure needs the inference that argument makes.
    ordered = sorted(parsed.get("relations", []), key=lambda r: r.get("relationType") == "undercut")
    for rel in ordered:
        kind, source, target = rel.get("relationType"), rel.get("from"), rel.get("to")
        if source in against:
            continue  # kb's own "Not so" attack: already the attack of its inference
        a = _end(source, rel.get("fromType"), node_of, conclusion_of)
        where = f"the {kind} from {source} to {target}"
        if a is None:
            notes.append(f"skipped {where}: its source is not a claim kb can hold")
            continue
        if rel.get("toType") == "inference" or (rel.get("toType") == "argument" and target in inferences
                                                and kind in ("undercut", "attack")):
            chain = inferences.get(target, [])
            index = rel.get("conclusionIndex")
            cut = next((r for r in chain if r.meta.get("index") == index), chain[-1] if chain else None)
            if cut is None:
                notes.append(f"skipped {where}: that inference was not imported")
                continue
            undercuts.append(Undercut(a, cut.source, cut.target, {}))
            continue
        b = _end(target, rel.get("toType"), node_of, conclusion_of)
        if b is None:
            notes.append(f"skipped {where}: its target is not a claim kb can hold")
            continue
        if kind == "undercut":  # of an argument without a structure: the inference it makes
            made = [r for r in relations if r.source == b and r.with_ == []]
            if len(made) != 1:
                notes.append(f"skipped {where}: <{target}> makes {len(made)} inferences, so which one is undercut "
                             "is not said")
                continue
            undercuts.append(Undercut(a, made[0].source, made[0].target, {}))
        elif kind in SUPPORTING:
            relations.append(Relation(a, b, "supports", {}))
        elif kind in ATTACKING:
            relations.append(Relation(a, b, "attacks", {}))
        elif kind in SYMMETRIC:
            relations += [Relation(a, b, "attacks", {}), Relation(b, a, "attacks", {})]
        else:
            notes.append(f"skipped {where}: kb has no {kind} relation")
    if parsed.get("frontMatter"):
        notes.append("the frontmatter has no kb counterpart: not imported")
    return AifMap(list(claims.values()), relations, {}, {}, notes, undercuts, restatements,
                  origin=False, label="Argdown map", source_kind="argdown-map")


def against_target(parsed: dict, title: str) -> str | None:
    """The statement title a kb "Not so" conclusion attacks."""
    for rel in parsed.get("relations", []):
        if rel.get("from") == title and rel.get("relationType") == "attack":
            return rel.get("to")
    return None


def _end(title: str | None, kind: str | None, node_of: dict[str, str], conclusion_of: dict[str, str]) -> str | None:
    if title is None:
        return None
    if kind == "argument":
        return conclusion_of.get(title) or node_of.get(f"<{title}>")
    return node_of.get(title)


def _meta(data, title: str, tags) -> dict:
    """kb's view of a statement: its title, tags, and what kb's own export put in its data block."""
    data = data if isinstance(data, dict) else {}
    meta = {k: data[k] for k in ("id", "kind", "speaker", "note") if isinstance(data.get(k), str)}
    meta["title"] = data.get("title") if isinstance(data.get("title"), str) else title
    if isinstance(data.get("quote"), str) or isinstance(data.get("section"), str):
        meta["source"] = {k: data[k] for k in ("quote", "section") if isinstance(data.get(k), str)}
    from kb.changes.authoring import slugify

    from kb.data.models import KINDS as kinds
    tags = [t for t in tags or [] if isinstance(t, str)]
    if "kind" not in meta:
        kind = next((t for t in tags if t in kinds), None)
        if kind:
            meta["kind"] = kind
    meta["tags"] = [slugify(t) for t in tags if t not in kinds and slugify(t)]
    return meta
