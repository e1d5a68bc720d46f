"""AIF JSON as AIFdb and OVA read it: ``nodes``, ``edges``, ``locutions``, ``participants``.

Each claim is an I-node holding its text. Each inference is one scheme node:
a support an RA node (premises -> RA -> conclusion), an attack a CA node
(attackers -> CA -> attacked), where a linked argument is one node with all its
premises. An undercut is a CA node from the undercutter to the RA or CA node of
the inference it disputes, as AIF draws an attack on an inference; a
restatement is an MA (rephrase) node from the restating claim to the restated
one. Speakers
are participants; where the anchor quote is known, the speaker's words are an
L-node ("Name : quote") linked to the claim through a YA "Asserting" node, with
a locution naming the participant, as AIFdb stores dialogue.

AIF has nowhere to put ids, titles, kinds, tags, stances or edge weights, so
they ride along under a ``kb`` key on the nodes, participants and the document:
other tools ignore it, and ``kb import aif`` uses it to restore the map exactly.
Ids are the decimal strings AIFdb uses; a node imported from AIF keeps its
nodeID (and a map imported from one nodeset names it as ``nodesetID``), so that
it can be matched back to its corpus; timestamps come from the source's date
so that the file is the same every time it is written.
"""

from __future__ import annotations

import json
import re

from kb import __version__

FORMAT = "kb-aif"
VERSION = 1
SUPPORT_TEXT = "Default Inference"
ATTACK_TEXT = "Default Conflict"
REPHRASE_TEXT = "Default Rephrase"
ASSERTING = "Asserting"
_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def timestamp(date: str | None) -> str | None:
    """An AIFdb timestamp ("YYYY-MM-DD HH:MM:SS") from an ISO date as precise as known, or None."""
    match = _DATE.match(date or "")
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    return f"{year}-{month}-{day} 00:00:00"


def split_name(name: str) -> tuple[str, str]:
    """First name and surname as AIF participants hold them: the first word, then the rest."""
    first, _, rest = " ".join(name.split()).partition(" ")
    return first, rest


def _meta(model, **extra) -> dict:
    data = model.model_dump(mode="json", exclude_none=True)
    return {k: v for k, v in {**data, **extra}.items() if v not in ([], {}, None)}


def _edge_meta(weight: float, note: str | None) -> dict:
    return {**({"weight": weight} if weight != 1 else {}), **({"note": note} if note is not None else {})}


def build(bundle) -> dict:
    kb = bundle.kb
    # Nodes imported from AIF keep their nodeID; every other node gets the next number no one uses.
    kept: dict[str, str] = {}
    for node_id in bundle.ids:
        origin = kb.nodes[node_id].aif
        if origin is not None and origin.node not in kept.values():
            kept[node_id] = origin.node
    used = set(kept.values())
    counter = (str(i) for i in range(1, 10**12) if str(i) not in used)
    nodes, edges, locutions = [], [], []

    def node(kind: str, text: str, when: str | None, own_id: str | None = None, **extra) -> str:
        node_id = own_id or next(counter)
        entry = {"nodeID": node_id, "text": text, "type": kind}
        if when:
            entry["timestamp"] = when
        entry.update(extra)
        nodes.append(entry)
        return node_id

    def edge(a: str, b: str) -> None:
        edges.append({"edgeID": str(len(edges) + 1), "fromID": a, "toID": b, "formEdgeID": None})

    def when_of(node_id: str) -> str | None:
        source = kb.sources.get(kb.nodes[node_id].source.document)
        return timestamp(source.date if source else None)

    # Participants: the speakers, and the presenters, whom kb's own import needs to restore.
    speakers = sorted({kb.nodes[n].speaker for n in bundle.ids}
                      | {kb.nodes[n].presenter for n in bundle.ids if kb.nodes[n].presenter})
    participant_of = {person: i for i, person in enumerate(speakers, start=1)}
    i_node = {}
    for node_id in bundle.ids:
        claim = kb.nodes[node_id]
        meta = _meta(claim, id=node_id)
        for key in ("text", "supports", "attacks", "undercuts", "restates"):
            meta.pop(key, None)
        i_node[node_id] = node("I", claim.text, when_of(node_id), kept.get(node_id), kb=meta)
    s_node_of = {}  # an argument -> its RA or CA node
    for argument in bundle.arguments():
        extra = _edge_meta(argument.weight, argument.note)
        if argument.linked:
            extra["lead"] = argument.lead
        text = argument.scheme or (SUPPORT_TEXT if argument.relation == "supports" else ATTACK_TEXT)
        kind = "RA" if argument.relation == "supports" else "CA"
        s_node = node(kind, text, when_of(argument.lead), scheme=text, **({"kb": extra} if extra else {}))
        s_node_of[argument] = s_node
        for premise in argument.premises:
            edge(i_node[premise], s_node)
        edge(s_node, i_node[argument.target])
    for cut in bundle.undercuts():
        extra = {**_edge_meta(cut.weight, cut.note), "undercuts": cut.source}
        ca = node("CA", ATTACK_TEXT, when_of(cut.cutter), scheme=ATTACK_TEXT, kb=extra)
        edge(i_node[cut.cutter], ca)
        edge(ca, s_node_of[cut.argument])
    for a, b in bundle.restatements():
        ma = node("MA", REPHRASE_TEXT, when_of(a), scheme=REPHRASE_TEXT)
        edge(i_node[a], ma)
        edge(ma, i_node[b])
    for node_id in bundle.ids:
        claim = kb.nodes[node_id]
        if not claim.source.quote:
            continue
        person = kb.people.get(claim.speaker)
        name = person.name if person else claim.speaker
        when = when_of(node_id)
        l_node = node("L", f"{name} : {claim.source.quote}", when)
        ya = node("YA", ASSERTING, when, scheme=ASSERTING)
        edge(l_node, ya)
        edge(ya, i_node[node_id])
        locutions.append({"nodeID": l_node, "personID": str(participant_of[claim.speaker]), "timestamp": when,
                          "start": None, "end": None, "source": None})
    participants = []
    for person_id in speakers:
        person = kb.people.get(person_id)
        first, surname = split_name(person.name if person else person_id)
        entry = {"participantID": participant_of[person_id], "firstname": first, "surname": surname}
        entry["kb"] = _meta(person) if person else {"id": person_id}
        participants.append(entry)
    documents = sorted({kb.nodes[n].source.document for n in bundle.ids})
    nodesets = {kb.nodes[n].aif.nodeset for n in bundle.ids if kb.nodes[n].aif is not None}
    return {
        "nodes": nodes,
        "edges": edges,
        "locutions": locutions,
        "participants": participants,
        **({"nodesetID": nodesets.pop()} if len(nodesets) == 1 and None not in nodesets else {}),
        "kb": {
            "format": FORMAT, "version": VERSION, "generator": f"kb {__version__}",
            **({"selection": bundle.query} if bundle.query else {}),
            "sources": [_meta(kb.sources[s]) for s in documents if s in kb.sources],
        },
    }


def export(bundle):
    from kb.publishing.export.core import Output

    return Output(json.dumps(build(bundle), indent=2, ensure_ascii=False) + "\n")
