"""Generated YAML documents, fed to `kb check`: whatever they hold, no traceback and a bounded run.

Documents mix the schema's own field names with random keys, tags the loader
refuses (tagged collections, Python tags, local tags) and accepts, scalars that
resolve to odd types (impossible dates, huge numbers, NaN), anchors and
aliases, and nesting up to several hundred levels.
"""

from __future__ import annotations

import re
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.cli import cli
from kb.data.models import Node

from conftest import assemble

TAGS = ["", "", "", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ", "!!binary ",
        "!!set ", "!!omap ", "!!pairs ", "!!map ", "!!seq ", "!!python/object:os.system ",
        "!!python/name:os.system ", "!local ", "!<tag:example.com,2000:x> "]
ODD = ["2023-02-29", "2001-13-45", "2024-01-01", "1" * 5000, "-" + "9" * 4400, ".nan", ".inf", "-.inf", "1e400",
       "0x", "0x1F", "0o7", "0b2", "~", "null", "yes", "no", "on", "abc", "see-inside", "alice", "doc1",
       "claim", "0.5", "1.5", "-1", "''", '""', '"\\e[2J\\e[H"', '"\\u202e"', "'a''b'", "&a x", "*a", "<<"]
KEYS = list(Node.model_fields) + ["target", "weight", "note", "credence", "quote", "document", "with",
                                  "source", "x" * 90, "1", "~", "? [a]"]

PROBLEM = re.compile(r"[^\x00-\x1f\x7f]*/claims/[^\x00-\x1f\x7f]+:\d+:\d+: (error|warning)\[[a-z-]+\]: [^\x00-\x1f\x7f]*$")

plain = st.one_of(st.sampled_from(ODD), st.from_regex(r"[a-z0-9 .:-]{0,12}", fullmatch=True))


def scalar() -> st.SearchStrategy[str]:
    return st.builds(lambda tag, value: tag + value, st.sampled_from(TAGS), plain)


def value(depth: int) -> st.SearchStrategy[str]:
    """A flow-style YAML value: a scalar, a list or a mapping, possibly tagged."""
    if depth <= 0:
        return scalar()
    inner = value(depth - 1)
    flow_list = st.builds(lambda tag, items: tag + "[" + ", ".join(items) + "]",
                          st.sampled_from(TAGS), st.lists(inner, max_size=4))
    flow_map = st.builds(lambda tag, pairs: tag + "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}",
                         st.sampled_from(TAGS), st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=4))
    return st.one_of(scalar(), flow_list, flow_map)


def deep(n: int, kind: str) -> str:
    return {"list": "[" * n + "x" + "]" * n, "map": "{a: " * n + "x" + "}" * n}[kind]


document = st.builds(
    lambda pairs, nest, kind, block: "\n".join(f"{k}: {v}" for k, v in pairs) + (
        f"\nnote: {deep(nest, kind)}" if nest else "") + ("\nsupports:\n  - " + block if block else "") + "\n",
    st.lists(st.tuples(st.sampled_from(KEYS), value(3)), max_size=8),
    st.sampled_from([0, 0, 0, 5, 70, 300, 600]),
    st.sampled_from(["list", "map"]),
    st.one_of(st.none(), value(2)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=document)
def test_kb_check_survives_any_yaml_document(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("fuzz")
    root = assemble(folder)
    (root / "fuzz.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["--kb", str(root), "check"])
    elapsed = time.monotonic() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), (text, result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "checked 6 files" in result.output
    assert elapsed < 30, (elapsed, text[:200])
    for line in result.output.splitlines()[:-1]:
        assert PROBLEM.match(line), line
