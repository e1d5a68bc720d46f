"""The data model: the single source of truth for node, person and source files.

Every field is documented here because ``kb schema`` turns these models into the
JSON Schema that editors use for completion; the descriptions are what a person
editing a claim file sees.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from kb.data.kinds import ID_PATTERN, ID_RE, KINDS, MAX_ID_LEN, Kind, is_valid_id  # noqa: F401
from kb.data.relations import ATTACKS, RESTATES, SUPPORTS, UNDERCUTS, ArgumentRelation, Relation  # noqa: F401

Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID_LEN),
]


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt field would otherwise be silently ignored. Validators are
    # built on first use: a command that reads one edited node file builds none for the registries.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Edge(_Strict):
    """A support or attack from this node to another, in its long form."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    target: Id = Field(description="Id of the node this one supports or attacks.")
    weight: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="How strongly the relation holds, from 0 (not at all) to 1 (fully; the default).",
    )
    note: str | None = Field(
        None,
        description="Why the relation holds. Required by convention when the edge is the "
        "knowledge base's own reading rather than one the source makes.",
    )
    with_: list[Id] = Field(
        default_factory=list,
        alias="with",
        description="Linked premises: ids of other nodes that argue for or against the target only "
        "together with this one. The premises count as one argument, as strong as its weakest premise.",
    )

    scheme: str | None = Field(
        None, min_length=1,
        description="The argumentation scheme the inference follows (e.g. an AIF scheme name such as "
        "'Argument From Expert Opinion'), where a map names one.",
    )

    @property
    def premises(self) -> tuple[str, ...]:
        """Every node of a linked argument but this one (empty for a plain edge)."""
        return tuple(self.with_)


def _edge_short_form(value: object) -> object:
    # A bare id is shorthand for {target: id}; normalising here means the rest of
    # the code only ever sees long-form edges.
    return {"target": value} if isinstance(value, str) else value


EdgeRef = Annotated[
    Edge,
    BeforeValidator(_edge_short_form, json_schema_input_type=Union[Id, Edge]),
    Field(description="A target id, or a mapping with target, weight and note."),
]


class Undercut(_Strict):
    """An argument against an inference: the edge from ``source`` to ``target``."""

    source: Id = Field(description="Id of the node whose support or attack is disputed.")
    target: Id = Field(description="Id of the node that edge argues about.")
    weight: float = Field(
        1.0, ge=0.0, le=1.0, description="How strongly the undercut holds, from 0 to 1 (the default)."
    )
    note: str | None = Field(None, description="Why the inference fails; required by convention when it is "
                             "the knowledge base's own reading.")


class AifOrigin(_Strict):
    """Where an imported node came from in an AIF map, so that it can be matched back (e.g. to AIFdb)."""

    node: str = Field(min_length=1, description="The nodeID of its I-node.")
    nodeset: str | None = Field(None, min_length=1, description="The AIFdb nodeset (map) it was taken from.")


class SourceRef(_Strict):
    """Where in a source document the claim is made."""

    document: Id = Field(description="Id of the source document (see sources.yaml).")
    quote: str | None = Field(
        None,
        min_length=1,
        description="A short verbatim anchor (a few words to one sentence) from the document. "
        "`kb check --sources DIR` verifies it occurs in the document's text.",
    )
    section: str | None = Field(None, description="Heading of the section the quote sits under.")


class Stance(_Strict):
    """Where a person stands on a claim, with an optional citation."""

    credence: float = Field(
        ge=0.0, le=1.0, description="How strongly the person accepts the claim, from 0 (rejects) to 1 (accepts)."
    )
    quote: str | None = Field(
        None, min_length=1, description="Verbatim words showing where they stand (checked like source quotes)."
    )
    source: Id | None = Field(
        None, description="Document the quote comes from, when it is not the node's own source document."
    )
    note: str | None = Field(None, description="How the credence was read from the text.")


def _stance_short_form(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"credence": value}
    return value


StanceRef = Annotated[
    Stance,
    BeforeValidator(
        _stance_short_form, json_schema_input_type=Union[Annotated[float, Field(ge=0.0, le=1.0)], Stance]
    ),
    Field(description="A credence in [0, 1], or a mapping with credence, quote, source and note."),
]


class Node(_Strict):
    """One argument-map node: a claim, theory of impact, rebuttal, evidence, question or proposal.

    The node's id is its file name without `.yaml`; an `id` key is optional and, when
    present, must match the file name.
    """

    id: Id | None = Field(None, description="Optional; when present it must equal the file name's stem.")
    kind: Kind = Field(description="What sort of node this is.")
    title: str = Field(min_length=1, max_length=100, description="Short label shown on maps (at most 100 characters).")
    text: str = Field(min_length=1, description="The claim in the knowledge base's own words.")
    speaker: Id = Field(description="Id of the person who holds the claim (see people.yaml).")
    presenter: Id | None = Field(
        None,
        description="Id of the person who presents or reports the claim when that is not its holder "
        "(an author stating a view in order to reject it; a commentary reporting an interview).",
    )
    source: SourceRef = Field(description="Where the claim is made.")
    supports: list[EdgeRef] = Field(default_factory=list, description=SUPPORTS.description)
    attacks: list[EdgeRef] = Field(default_factory=list, description=ATTACKS.description)
    undercuts: list[Undercut] = Field(default_factory=list, description=UNDERCUTS.description)
    restates: list[Id] = Field(default_factory=list, description=RESTATES.description)
    tags: list[Id] = Field(
        default_factory=list,
        description="Free labels (lowercase slugs). `thesis` marks a top-level conclusion; "
        "`neel-toi-NN` numbers Neel Nanda's theories of impact.",
    )
    stances: dict[Id, StanceRef] = Field(
        default_factory=dict, description="Person id -> how strongly that person accepts this claim."
    )
    note: str | None = Field(None, description="Editorial note about the node (not part of the claim).")
    aif: AifOrigin | None = Field(None, description="Set by `kb import aif`: the AIF node it was imported from.")

    def edges(self, relation: ArgumentRelation) -> list[Edge]:
        return self.supports if relation == "supports" else self.attacks

    def targets(self) -> list[str]:
        """Every node this one names as the target of a relation (edges' ends included)."""
        out = [e.target for e in self.supports] + [e.target for e in self.attacks]
        out += [p for e in self.supports + self.attacks for p in e.with_]
        out += [u.source for u in self.undercuts] + [u.target for u in self.undercuts]
        return out + list(self.restates)

    def credence(self, person: str) -> float | None:
        stance = self.stances.get(person)
        return None if stance is None else stance.credence


class Person(_Strict):
    """Someone the knowledge base attributes a claim or a stance to."""

    id: Id = Field(description="Short id used in `speaker` and `stances`.")
    name: str = Field(min_length=1, description="Full name, or a description for unnamed people.")
    affiliation: str | None = Field(None, description="Organisation, where known.")
    role: str | None = Field(None, description="Their part in the debate.")
    url: str | None = Field(None, description="A page about them, where known.")


class Source(_Strict):
    """A document that claims cite."""

    id: Id = Field(description="Short id used in each node's `source.document`.")
    title: str = Field(min_length=1, description="The document's title.")
    authors: list[str] = Field(default_factory=list, description="Who wrote or speaks in it.")
    date: str | None = Field(None, description="Publication or event date (ISO 8601, as precise as known).")
    kind: str = Field(description="What sort of document: blog-post, transcript, commentary, paper, ...")
    url: str | None = Field(None, description="Where it was published, if known.")
    file: str | None = Field(
        None, description="File name of its plain text in the sources folder given to `kb check --sources`."
    )


def _registries() -> dict[str, type]:
    """The models of the two registry files, made when first asked for (see ``__getattr__``)."""
    from pydantic import RootModel

    class PeopleFile(RootModel[list[Person]]):
        """claims/people.yaml: a list of people."""

        model_config = ConfigDict(defer_build=True)  # built on first use, like the others: see _Strict

    class SourcesFile(RootModel[list[Source]]):
        """claims/sources.yaml: a list of source documents."""

        model_config = ConfigDict(defer_build=True)

    for model in (PeopleFile, SourcesFile):
        model.__module__, model.__qualname__ = __name__, model.__name__
    return {"PeopleFile": PeopleFile, "SourcesFile": SourcesFile}


def __getattr__(name: str) -> type:
    # PeopleFile and SourcesFile: importing pydantic's RootModel costs about 60 ms, which a command that
    # validates one edited node file (a query after an edit) would pay for models it never uses.
    if name in ("PeopleFile", "SourcesFile"):
        globals().update(_registries())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
