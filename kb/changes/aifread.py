"""Reading an AIF JSON map into plain claims, arguments and speakers.

AIF is a graph of I-nodes (propositions) and S-nodes (RA for an inference, CA
for a conflict, MA for a rephrase, PA for a preference), with dialogue on the
side: L-nodes (locutions) anchored to I-nodes through YA nodes, and
``locutions`` naming each L-node's participant. This module checks that graph
and reduces it to what a ``kb`` map can hold:

* an RA or CA node from premises to an I-node is one argument (a linked one when
  it has several premises), keeping its scheme name when it is not the default;
* a CA node whose conclusion is an RA or CA node is an undercut of that inference;
* an MA (rephrase) node makes its premise a restatement of its conclusion;
* an I-node asked through a questioning illocution (YA "Pure Questioning" or
  "Assertive Questioning") is a question.

Real corpora are untidy (AIFdb exports omit participants; maps cut from larger
ones leave relation nodes without a premise or a conclusion), so by default such
parts are skipped or repaired with a note for each; ``strict`` turns every one
of them into an error. Structural faults (not JSON, wrong types, dangling
edges) are always errors, located at their line and column in the file.

Plain AIF, AIFdb's and OVA's wrapped form (``{"AIF": {...}}``) and ``kb``'s own
export (with its ``kb`` keys) are all read. Nothing here touches the knowledge
base.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from kb.data.errors import KBError
from kb.rules.report import Problem

SCHEMES = {"RA": "supports", "CA": "attacks"}
REPHRASE = "MA"
SKIPPED_SCHEMES = {"PA": "preference"}
DIALOGUE = {"L", "YA", "TA"}
DEFAULT_SCHEMES = {"Default Inference", "Default Conflict", "Default Rephrase", "Default Preference"}
QUESTIONING = {"pure questioning", "assertive questioning"}
TYPES = {"I", "RA", "CA", "MA", "PA", "L", "YA", "TA"}
MAX_DEPTH = 200


@dataclass
class Claim:
    aif_id: str
    text: str
    meta: dict = field(default_factory=dict)  # the `kb` key of kb's own export
    participant: str | None = None  # participant id of the first locution anchored to it
    utterance: str | None = None  # that locution's text, without the "Name : " prefix
    question: bool = False  # asked, not asserted
    nodeset: str | None = None


@dataclass
class Relation:
    """One argument: ``source`` (the lead premise) with ``with_`` argues for or against ``target``."""

    source: str  # aif id of the arguing I-node
    target: str
    relation: str  # supports | attacks
    meta: dict = field(default_factory=dict)
    with_: list[str] = field(default_factory=list)  # the other premises of a linked argument
    scheme: str | None = None
    aif_id: str | None = None  # the RA or CA node


@dataclass
class Undercut:
    cutter: str  # aif id of the undercutting I-node
    source: str  # the undercut argument's premise (aif id) that names the edge
    target: str  # its conclusion
    meta: dict = field(default_factory=dict)


@dataclass
class Participant:
    aif_id: str
    name: str
    meta: dict = field(default_factory=dict)


@dataclass
class AifMap:
    claims: list[Claim]
    relations: list[Relation]
    participants: dict[str, Participant]
    meta: dict  # the document's `kb` key
    notes: list[str]  # what was skipped or repaired, for the user
    undercuts: list[Undercut] = field(default_factory=list)
    restatements: list[tuple[str, str]] = field(default_factory=list)  # (restating, restated) aif ids
    origin: bool = True  # whether claims remember their AIF nodeID
    label: str = "AIF map"  # how the map's source document is described
    source_kind: str = "aif-map"


# --- reading the file ----------------------------------------------------------------------------


class Locator:
    """Line and column of the places the checks talk about, found in the file's text when needed."""

    def __init__(self, text: str = ""):
        self.text = text
        self._starts: list[int] | None = None

    def at(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        import bisect

        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def key(self, name: str, value=None, after: int = 0) -> tuple[int, int]:
        """Where ``"name": value`` (or the key alone) first occurs after an offset; else the file's start."""
        pattern = '"' + re.escape(name) + r'"\s*:'
        if value is not None:
            pattern += r'\s*"?' + re.escape(str(value)) + r'"?\s*[,}\]]'
        match = re.compile(pattern).search(self.text, after)
        if match is None and value is not None:
            return self.key(name, None, after)
        if match is None:
            return (1, 1) if not self.text else self.at(_first_token(self.text))
        return self.at(match.start())

    def section(self, name: str) -> int:
        match = re.search('"' + re.escape(name) + r'"\s*:', self.text)
        return match.start() if match else 0


def _first_token(text: str) -> int:
    match = re.search(r"\S", text)
    return match.start() if match else 0


def _depth_fault(text: str, limit: int) -> int | None:
    """Offset of the first bracket nested deeper than limit (strings skipped), or None."""
    depth, in_string, escaped = 0, False, False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return i
        elif char in "]}":
            depth -= 1
    return None


def _too_deep(value, limit: int) -> bool:
    """Whether a parsed value nests deeper than limit (checked without recursion)."""
    # json gives exact dicts and lists, so a type lookup suffices; a map holds hundreds of thousands.
    containers = {dict, list}
    todo = [(value, 1)] if type(value) in containers else []
    while todo:
        item, depth = todo.pop()
        if depth > limit:
            return True
        for v in item.values() if type(item) is dict else item:
            if type(v) in containers:
                todo.append((v, depth + 1))
    return False


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def loads(text: str, display: str) -> tuple[object, Locator]:
    """The JSON value of a file's text and a locator for it; KBError located at the fault otherwise."""
    where = Locator(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KBError(f"{display}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}); nothing was written") from None
    except RecursionError:
        data = None
    deep = _depth_fault(text, MAX_DEPTH) if data is None or _too_deep(data, MAX_DEPTH) else None
    if deep is not None or data is None:
        line, col = where.at(deep or 0)
        raise KBError(f"{display}:{line}:{col}: JSON nested more than {MAX_DEPTH} deep, which no AIF map is; "
                      "nothing was written")
    paired = {m.start() for m in _PAIR.finditer(text)}
    for match in _SURROGATE.finditer(text):
        if match.start() in paired or match.start() - 6 in paired:
            continue
        line, col = where.at(match.start())
        raise KBError(f"{display}:{line}:{col}: the escape {match.group()} is half of a UTF-16 surrogate pair, "
                      "which encodes no character; nothing was written")
    return data, where


# --- checking the graph --------------------------------------------------------------------------


def _ident(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def _describe(value) -> str:
    return "missing" if value is None else f"{json.dumps(value)} (a {type(value).__name__}, not a string)"


def _meta(entry: dict) -> dict:
    meta = entry.get("kb")
    return meta if isinstance(meta, dict) else {}


def _scheme_name(entry: dict) -> str | None:
    for key in ("text", "scheme"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in DEFAULT_SCHEMES:
            return " ".join(value.split())
    return None


def parse(data, display: str, *, strict: bool = False, where: Locator | None = None) -> AifMap:
    """The claims, arguments and participants of an AIF map; KBError listing every fault otherwise."""
    where = where or Locator()
    errors: list[Problem] = []
    notes: list[str] = []

    def fail(code: str, message: str, at: tuple[int, int]) -> None:
        errors.append(Problem(display, at[0], at[1], code, message))

    def lenient(code: str, message: str, at: tuple[int, int], note: str) -> None:
        """A fault real corpora have: an error when strict, else a note and the part is skipped."""
        if strict:
            fail(code, message + " (without --strict it would be skipped)", at)
        else:
            notes.append(note)

    if isinstance(data, dict) and isinstance(data.get("AIF"), dict):
        data = data["AIF"]
    if not isinstance(data, dict):
        at = where.at(_first_token(where.text))
        raise KBError(f"{display}: not an AIF map (expected a JSON object with 'nodes' and 'edges'); nothing was written",
                      [Problem(display, *at, "aif-shape", "the file holds a JSON " + type(data).__name__ + ", not an object")])
    for key in ("nodes", "edges"):
        if not isinstance(data.get(key), list):
            fail("aif-missing", f"'{key}' is missing or not a list", where.key(key))
    if errors:
        raise KBError(f"{display}: not an AIF map; nothing was written", errors)

    nodes_at, edges_at = where.section("nodes"), where.section("edges")
    nodes: dict[str, dict] = {}
    for i, entry in enumerate(data["nodes"]):
        raw = entry.get("nodeID") if isinstance(entry, dict) else None
        node_id = _ident(raw)
        if node_id is None:
            fail("aif-node", f"node {i + 1}: nodeID is {_describe(raw)}" if isinstance(entry, dict)
                 else f"node {i + 1} is not an object", where.key("nodeID", None if raw is None else json.dumps(raw), nodes_at))
            continue
        kind = entry.get("type")
        problem = None
        if node_id in nodes:
            problem = f"nodeID {node_id} is used twice"
        elif not isinstance(kind, str):
            problem = f"node {node_id} has no type"
        elif kind not in TYPES and kind.upper() in TYPES:
            problem = f"node {node_id} has type '{kind}': AIF types are upper case ('{kind.upper()}')"
        elif kind in ("I", "L") and not (isinstance(entry.get("text"), str) and entry["text"].strip()):
            problem = f"{kind}-node {node_id} has no text"
        if problem is not None:  # located only when there is something to say: the search costs
            fail("aif-node", problem, where.key("nodeID", node_id, nodes_at))
            continue
        nodes[node_id] = entry
    incoming: dict[str, list[str]] = {n: [] for n in nodes}
    outgoing: dict[str, list[str]] = {n: [] for n in nodes}
    for i, entry in enumerate(data["edges"]):
        raw = (entry.get("fromID"), entry.get("toID")) if isinstance(entry, dict) else (None, None)
        ends = (_ident(raw[0]), _ident(raw[1]))
        name = _ident(entry.get("edgeID")) if isinstance(entry, dict) else None
        label = f"edge {name}" if name is not None else f"edge {i + 1}"

        def at() -> tuple[int, int]:
            return where.key("edgeID", name, edges_at) if name is not None else where.at(edges_at)

        if None in ends:
            bad = "fromID" if ends[0] is None else "toID"
            fail("aif-edge", f"{label}: {bad} is {_describe(raw[0] if ends[0] is None else raw[1])}", at())
            continue
        missing = [end for end in ends if end not in nodes]
        if missing:
            fail("aif-dangling-edge", f"{label} goes from {ends[0]} to {ends[1]}, but {' and '.join(missing)} "
                                      f"{'is not a node' if len(missing) == 1 else 'are not nodes'}", at())
            continue
        outgoing[ends[0]].append(ends[1])
        incoming[ends[1]].append(ends[0])

    def typed(ids, *kinds) -> list[str]:
        return list(dict.fromkeys(n for n in ids if nodes[n]["type"] in kinds))

    def kb_id(node_id: str):
        """The id kb's own export gave an I-node, if it is one."""
        return _meta(nodes[node_id]).get("id")

    def node_at(node_id: str) -> tuple[int, int]:
        return where.key("nodeID", node_id, nodes_at)

    relations: list[Relation] = []
    by_s_node: dict[str, list[Relation]] = {}
    cuts: list[tuple[str, str, str, dict]] = []  # (CA node, undercutter, undercut S-node, meta)
    restatements: list[tuple[str, str]] = []
    for node_id, entry in nodes.items():
        kind = entry["type"]
        if kind in SKIPPED_SCHEMES:
            notes.append(f"skipped {kind} node {node_id}: kb has no {SKIPPED_SCHEMES[kind]} relation")
            continue
        if kind not in SCHEMES and kind != REPHRASE:
            continue
        premises, conclusions = typed(incoming[node_id], "I"), typed(outgoing[node_id], "I")
        inferences = typed(outgoing[node_id], "RA", "CA")
        if not premises:
            lenient("aif-no-premise", f"{kind} node {node_id} has no premise (no I-node points to it)",
                    node_at(node_id), f"skipped {kind} node {node_id}: no I-node points to it")
            continue
        if kind == REPHRASE:
            if not conclusions:
                lenient("aif-no-conclusion", f"MA node {node_id} rephrases nothing (it points to no I-node)",
                        node_at(node_id), f"skipped MA node {node_id}: it points to no I-node")
            restatements.extend((p, c) for p in premises for c in conclusions if p != c)
            continue
        if not conclusions and inferences and kind == "CA":
            cuts.extend((node_id, premise, target, _meta(entry)) for premise in premises for target in inferences)
            continue
        if not conclusions:
            if inferences:
                notes.append(f"skipped {kind} node {node_id}: it supports an inference ({', '.join(inferences)}), "
                             "which kb cannot hold (an undercut is a CA node)")
            else:
                lenient("aif-no-conclusion", f"{kind} node {node_id} has no conclusion (it points to no I-node)",
                        node_at(node_id), f"skipped {kind} node {node_id}: it points to no I-node")
            continue
        meta = _meta(entry)
        lead = next((p for p in premises if kb_id(p) == meta.get("lead")), premises[0])
        others = [p for p in premises if p != lead]
        for conclusion in conclusions:
            relation = Relation(lead, conclusion, SCHEMES[kind], meta, [p for p in others if p != conclusion],
                                _scheme_name(entry), node_id)
            relations.append(relation)
            by_s_node.setdefault(node_id, []).append(relation)
    undercuts = []
    for ca, cutter, target, meta in cuts:
        arguments = by_s_node.get(target)
        if not arguments:
            notes.append(f"skipped CA node {ca}: the inference it attacks ({target}) was skipped")
            continue
        for argument in arguments:
            source = next((p for p in (argument.source, *argument.with_) if kb_id(p) == meta.get("undercuts")),
                          argument.source)
            undercuts.append(Undercut(cutter, source, argument.target, meta))

    participants = {}
    for entry in data.get("participants") or []:
        pid = _ident(entry.get("participantID")) if isinstance(entry, dict) else None
        if pid is None:
            fail("aif-participant", "a participant has no participantID", where.key("participants"))
            continue
        name = " ".join(f"{entry.get('firstname') or ''} {entry.get('surname') or ''}".split())
        participants[pid] = Participant(pid, name or f"Participant {pid}", _meta(entry))
    speaker_of_locution = {}
    locutions_at = where.section("locutions")
    for entry in data.get("locutions") or []:
        if isinstance(entry, dict) and _ident(entry.get("nodeID")) in nodes:
            speaker_of_locution[_ident(entry.get("nodeID"))] = _ident(entry.get("personID"))
    named: dict[str, str] = {}  # a name taken from a locution's prefix -> its participant id

    def speaker_of(l_node: str) -> str | None:
        person = speaker_of_locution.get(l_node)
        if person is None or person in participants:
            return person
        message = f"locution {l_node} names participant {person}, who is not listed"
        head, sep, rest = " ".join(nodes[l_node]["text"].split()).partition(" : ")
        if strict:
            fail("aif-participant", message + " (without --strict the name would be taken from its text)",
                 where.key("nodeID", l_node, locutions_at))
            return None
        if sep and rest and head:
            pid = named.setdefault(head.casefold(), f"named:{head.casefold()}")
            participants.setdefault(pid, Participant(pid, head))
            notes.append(f"{message}: took the speaker's name, {head}, from its text")
            return pid
        notes.append(f"{message}, and its text names no speaker: its claims are unattributed")
        return None

    claims = []
    nodeset = _ident(data.get("nodesetID")) or _ident(data.get("nodeset"))
    for node_id, entry in nodes.items():
        if entry["type"] != "I":
            continue
        claim = Claim(node_id, entry["text"].strip(), _meta(entry))
        claim.nodeset = _ident(entry.get("nodesetID")) or nodeset
        for ya in typed(incoming[node_id], "YA"):
            if " ".join(str(nodes[ya].get("text") or "").split()).casefold() in QUESTIONING:
                claim.question = True
            for l_node in typed(incoming[ya], "L"):
                if claim.utterance is not None:
                    break
                person = speaker_of(l_node)
                name = participants[person].name if person is not None else None
                claim.participant, claim.utterance = person, _utterance(nodes[l_node]["text"], name)
        claims.append(claim)
    if not claims and not errors:
        fail("aif-empty", "the map has no I-nodes (claims)", where.key("nodes"))
    if errors:
        raise KBError(f"{display}: not a valid AIF map ({len(errors)} problem{'s' * (len(errors) != 1)}); "
                      "nothing was written", errors)
    return AifMap(claims, relations, participants, _meta(data), notes, undercuts, restatements)


def _utterance(text: str, name: str | None) -> str:
    """A locution's words: AIFdb writes them as "Speaker Name : words"."""
    text = " ".join(text.split())
    head, sep, rest = text.partition(" : ")
    if sep and rest and (name is None or " ".join(head.split()).lower() == name.lower()):
        return rest
    return text
