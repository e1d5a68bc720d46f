"""JSON Schema generated from the models, for editors (yaml-language-server).

The committed files in ``schema/`` are derived data: ``kb schema`` rewrites them
and a test fails when they drift from the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from kb.data import store
from kb.publishing.export.document import ExportDocument
from kb.data.models import Node, PeopleFile, SourcesFile

SCHEMAS = {
    "node.schema.json": (Node, "A knowledge-base node: one claim, theory of impact, rebuttal, evidence, question or proposal."),
    "people.schema.json": (PeopleFile, "claims/people.yaml: everyone the knowledge base attributes claims or stances to."),
    "sources.schema.json": (SourcesFile, "claims/sources.yaml: the documents that claims cite."),
    "export.schema.json": (ExportDocument, "`kb export --format json`: a knowledge base (or a selection) with its analysis."),
}


def generate() -> dict[str, str]:
    """File name -> JSON text of every schema, deterministic so drift is a plain diff."""
    out = {}
    for name, (model, description) in SCHEMAS.items():
        schema = model.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name, **schema}
        schema["description"] = description
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return out


def drift(directory: Path) -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    stale = []
    for name, text in generate().items():
        path = Path(directory) / name
        try:
            current = store.read_text(path, store.MAX_FILE_BYTES, Path(directory))
        except (OSError, UnicodeDecodeError, store.Refused):
            current = None  # missing, or not a plain file inside the folder: rewriting it says why
        if current != text:
            stale.append(name)
    return stale


def write(directory: Path) -> list[str]:
    """Regenerate every schema file, returning the names that changed."""
    changed = drift(directory)
    for name, text in generate().items():
        if name in changed:
            store.write_atomic(Path(directory) / name, text, Path(directory))
    return changed
