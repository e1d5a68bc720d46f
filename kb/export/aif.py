"""AIF JSON as AIFdb and OVA read it: ``nodes``, ``edges``, ``locutions``, ``participants``.

Each claim is an I-node holding its text. Each support goes through its own
RA node (premise -> RA -> conclusion) and each attack through its own CA node
(attacker -> CA -> attacked), since every edge is a separate inference. Speakers
are participants; where the anchor quote is known, the speaker's words are an
L-node ("Name : quote") linked to the claim through a YA "Asserting" node, with
a locution naming the participant, as AIFdb stores dialogue.

AIF has nowhere to put ids, titles, kinds, tags, stances or edge weights, so
they ride along under a ``kb`` key on the nodes, participants and the document:
other tools ignore it, and ``kb import aif`` uses it to restore the map exactly.
Ids are the decimal strings AIFdb uses; timestamps come from the source's date
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


def build(bundle) -> dict:
    kb = bundle.kb
    counter = iter(range(1, 10**9))
    nodes, edges, locutions = [], [], []

    def node(kind: str, text: str, when: str | None, **extra) -> str:
        node_id = str(next(counter))
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

    speakers = sorted({kb.nodes[n].speaker for n in bundle.ids})
    participant_of = {person: i for i, person in enumerate(speakers, start=1)}
    i_node = {}
    for node_id in bundle.ids:
        claim = kb.nodes[node_id]
        meta = _meta(claim, id=node_id)
        for key in ("text", "supports", "attacks"):
            meta.pop(key, None)
        i_node[node_id] = node("I", claim.text, when_of(node_id), kb=meta)
    for u, v, d in bundle.edges():
        extra = {k: d[k] for k in ("weight", "note") if d.get(k) is not None and not (k == "weight" and d[k] == 1)}
        text = SUPPORT_TEXT if d["relation"] == "supports" else ATTACK_TEXT
        kind = "RA" if d["relation"] == "supports" else "CA"
        s_node = node(kind, text, when_of(u), scheme=text, **({"kb": extra} if extra else {}))
        edge(i_node[u], s_node)
        edge(s_node, i_node[v])
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
    return {
        "nodes": nodes,
        "edges": edges,
        "locutions": locutions,
        "participants": participants,
        "kb": {
            "format": FORMAT, "version": VERSION, "generator": f"kb {__version__}",
            **({"selection": bundle.query} if bundle.query else {}),
            "sources": [_meta(kb.sources[s]) for s in documents if s in kb.sources],
        },
    }


def export(bundle):
    from kb.export.core import Output

    return Output(json.dumps(build(bundle), indent=2, ensure_ascii=False) + "\n")
