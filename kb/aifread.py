"""Reading an AIF JSON map into plain claims, relations and speakers.

AIF is a graph of I-nodes (propositions) and S-nodes (RA for an inference, CA
for a conflict, MA for a rephrase, PA for a preference), with dialogue on the
side: L-nodes (locutions) anchored to I-nodes through YA nodes, and
``locutions`` naming each L-node's participant. This module checks that graph
and reduces it to what a ``kb`` map can hold: each RA gives a support from each
premise to each conclusion, each CA an attack. What has no ``kb`` counterpart
(rephrases, preferences, attacks on inferences) is skipped and said so.

Plain AIF, AIFdb's and OVA's wrapped form (``{"AIF": {...}}``) and ``kb``'s own
export (with its ``kb`` keys) are all read. Nothing here touches the knowledge
base.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.errors import KBError
from kb.report import Problem

SCHEMES = {"RA": "supports", "CA": "attacks"}
SKIPPED_SCHEMES = {"MA": "rephrase", "PA": "preference"}
DIALOGUE = {"L", "YA", "TA"}


@dataclass
class Claim:
    aif_id: str
    text: str
    meta: dict = field(default_factory=dict)  # the `kb` key of kb's own export
    participant: str | None = None  # participant id of the first locution anchored to it
    utterance: str | None = None  # that locution's text, without the "Name : " prefix


@dataclass
class Relation:
    source: str  # aif id of the arguing I-node
    target: str
    relation: str  # supports | attacks
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
    notes: list[str]  # what was skipped, for the user


def _problem(display: str, code: str, message: str) -> Problem:
    return Problem(display, 1, 1, code, message)


def _ident(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def _meta(entry: dict) -> dict:
    meta = entry.get("kb")
    return meta if isinstance(meta, dict) else {}


def parse(data, display: str) -> AifMap:
    """The claims, relations and participants of an AIF map; KBError listing every fault otherwise."""
    errors: list[Problem] = []

    def fail(code: str, message: str) -> None:
        errors.append(_problem(display, code, message))

    if isinstance(data, dict) and isinstance(data.get("AIF"), dict):
        data = data["AIF"]
    if not isinstance(data, dict):
        raise KBError(f"{display}: not an AIF map (expected a JSON object with 'nodes' and 'edges'); nothing was written",
                      [_problem(display, "aif-shape", "the file holds a JSON " + type(data).__name__ + ", not an object")])
    for key in ("nodes", "edges"):
        if not isinstance(data.get(key), list):
            fail("aif-missing", f"'{key}' is missing or not a list")
    if errors:
        raise KBError(f"{display}: not an AIF map; nothing was written", errors)

    nodes: dict[str, dict] = {}
    for i, entry in enumerate(data["nodes"]):
        node_id = _ident(entry.get("nodeID")) if isinstance(entry, dict) else None
        if node_id is None:
            fail("aif-node", f"node {i + 1} has no nodeID")
            continue
        if node_id in nodes:
            fail("aif-node", f"nodeID {node_id} is used twice")
            continue
        if not isinstance(entry.get("type"), str):
            fail("aif-node", f"node {node_id} has no type")
            continue
        if entry["type"] in ("I", "L") and not (isinstance(entry.get("text"), str) and entry["text"].strip()):
            fail("aif-node", f"{entry['type']}-node {node_id} has no text")
            continue
        nodes[node_id] = entry
    incoming: dict[str, list[str]] = {n: [] for n in nodes}
    outgoing: dict[str, list[str]] = {n: [] for n in nodes}
    for i, entry in enumerate(data["edges"]):
        ends = (_ident(entry.get("fromID")), _ident(entry.get("toID"))) if isinstance(entry, dict) else (None, None)
        name = _ident(entry.get("edgeID")) if isinstance(entry, dict) else None
        label = f"edge {name}" if name is not None else f"edge {i + 1}"
        if None in ends:
            fail("aif-edge", f"{label} lacks fromID or toID")
            continue
        missing = [end for end in ends if end not in nodes]
        if missing:
            fail("aif-dangling-edge", f"{label} goes from {ends[0]} to {ends[1]}, but {' and '.join(missing)} "
                                      f"{'is not a node' if len(missing) == 1 else 'are not nodes'}")
            continue
        outgoing[ends[0]].append(ends[1])
        incoming[ends[1]].append(ends[0])

    def typed(ids, kind) -> list[str]:
        return [n for n in ids if nodes[n]["type"] == kind]

    notes: list[str] = []
    relations = []
    for node_id, entry in nodes.items():
        kind = entry["type"]
        if kind in SKIPPED_SCHEMES:
            notes.append(f"skipped {kind} node {node_id}: kb has no {SKIPPED_SCHEMES[kind]} relation")
            continue
        if kind not in SCHEMES:
            continue
        premises, conclusions = typed(incoming[node_id], "I"), typed(outgoing[node_id], "I")
        if not premises:
            fail("aif-no-premise", f"{kind} node {node_id} has no premise (no I-node points to it)")
            continue
        if not conclusions:
            targets = [n for n in outgoing[node_id] if nodes[n]["type"] in SCHEMES]
            if targets:
                notes.append(f"skipped {kind} node {node_id}: it argues about an inference ({', '.join(targets)}), "
                             "and kb edges join claims only")
            else:
                fail("aif-no-conclusion", f"{kind} node {node_id} has no conclusion (it points to no I-node)")
            continue
        for premise in premises:
            for conclusion in conclusions:
                relations.append(Relation(premise, conclusion, SCHEMES[kind], _meta(entry)))

    participants = {}
    for entry in data.get("participants") or []:
        pid = _ident(entry.get("participantID")) if isinstance(entry, dict) else None
        if pid is None:
            fail("aif-participant", "a participant has no participantID")
            continue
        name = " ".join(f"{entry.get('firstname') or ''} {entry.get('surname') or ''}".split())
        participants[pid] = Participant(pid, name or f"Participant {pid}", _meta(entry))
    speaker_of_locution = {}
    for entry in data.get("locutions") or []:
        if isinstance(entry, dict) and _ident(entry.get("nodeID")) in nodes:
            speaker_of_locution[_ident(entry.get("nodeID"))] = _ident(entry.get("personID"))

    claims = []
    for node_id, entry in nodes.items():
        if entry["type"] != "I":
            continue
        claim = Claim(node_id, entry["text"].strip(), _meta(entry))
        for ya in typed(incoming[node_id], "YA"):
            for l_node in typed(incoming[ya], "L"):
                person = speaker_of_locution.get(l_node)
                if person is not None and person not in participants:
                    fail("aif-participant", f"locution {l_node} names participant {person}, who is not listed")
                    continue
                name = participants[person].name if person is not None else None
                claim.participant, claim.utterance = person, _utterance(nodes[l_node]["text"], name)
                break
            if claim.participant is not None:
                break
        claims.append(claim)
    if not claims and not errors:
        fail("aif-empty", "the map has no I-nodes (claims)")
    if errors:
        raise KBError(f"{display}: not a valid AIF map ({len(errors)} problem{'s' * (len(errors) != 1)}); "
                      "nothing was written", errors)
    return AifMap(claims, relations, participants, _meta(data), notes)


def _utterance(text: str, name: str | None) -> str:
    """A locution's words: AIFdb writes them as "Speaker Name : words"."""
    text = " ".join(text.split())
    head, sep, rest = text.partition(" : ")
    if sep and rest and (name is None or " ".join(head.split()).lower() == name.lower()):
        return rest
    return text
