"""A private, disposable cache beside the knowledge base, so that a command re-reads only what changed.

Parsing YAML is most of the cost of every command on a large map, and most files
do not change between two commands. The cache keeps each node file's parse
result (its plain data, or the problems that stopped it loading) keyed by the
file's path, size, modification and change times and inode; a command then
parses only the files whose key changed, and gives exactly the answers it
would give without the cache, since everything after parsing runs unchanged.

Safety, since the cache must never change an answer:

* A file modified within :data:`RACY_NS` of being cached could change again in
  the same timestamp tick with the same size (the "racy git" problem), so such
  an entry also keeps the content's SHA-256, which is compared before it is
  trusted.
* Values are JSON, never pickles: a cache committed by someone else or left by
  another version cannot run code, and a header naming the format, kb's version
  and a hash of the parsing code turns any other cache into a miss.
* Anything wrong with the cache (corrupt, foreign, locked by another writer,
  in a read-only folder, a link) makes it rebuilt or bypassed silently: the
  command then reads the files as if there were none.

SQLite (standard library) in WAL mode lets readers run while another process
writes; a writer that finds the cache busy simply does not update it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import stat
import time
from array import array
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from kb import __version__
from kb.rules.report import Problem

CACHE_FILE = ".kb-cache.sqlite"
# SQLite's companions of the cache file in WAL mode.
CACHE_FILES = (CACHE_FILE, CACHE_FILE + "-wal", CACHE_FILE + "-shm", CACHE_FILE + "-journal")
FORMAT = 2
# Modification times closer than this to the moment a file was read are not
# trusted alone: coarse file systems keep 1 to 2 s ticks.
RACY_NS = 3_000_000_000
# How long a writer waits for another one before leaving the cache as it is.
BUSY_SECONDS = 0.2
# Files over this size are never cached (loading refuses them anyway).
MAX_CACHED_BYTES = 1 << 20
# The modules whose code decides what a parse returns: any change to them is a new cache.
_PARSING_CODE = ("data/parsing.py", "data/store.py", "rules/report.py", "data/cache.py", "data/models.py")  # under kb/

Item = tuple[Path, str, Path]  # (file, display path, knowledge-base root), as kb.data.store passes them
Parsed = tuple[Any, list[Problem]]


def library_id(name: str, *extras: str) -> str:
    """An installed library's identity, found without importing it: its file's path, size and times.

    An upgrade or a reinstall changes them. ``extras``: name patterns of other
    files in the package's folder that also matter (PyYAML's C extension, whose
    presence decides which loader parses the files).
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        parts = [origin]
        for path in [Path(origin)] + sorted(p for pattern in extras for p in Path(origin).parent.glob(pattern)):
            info = os.stat(path)
            parts.append(f"{path.name} {info.st_size} {info.st_mtime_ns} {info.st_ino}")
    except (ImportError, ValueError, OSError, TypeError):
        return f"{name} ?"
    return " ".join(map(str, parts))


def _header() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parents[1]
    for name in _PARSING_CODE:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    digest.update(library_id("yaml", "_yaml*").encode("utf-8", "surrogateescape"))
    return f"kb-cache {FORMAT} {__version__} {digest.hexdigest()[:16]}"


def cache_path(root: Path) -> Path:
    return Path(root) / CACHE_FILE


def clear(root: Path) -> list[Path]:
    """Delete the cache of a knowledge base (always safe: it is rebuilt on the next command); the files removed."""
    removed = []
    for name in CACHE_FILES:
        path = Path(root) / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
            try:
                os.unlink(path)
                removed.append(path)
            except OSError:
                pass
    return removed


FILES_TABLE = ("CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, "
               "ino INTEGER, sha TEXT, racy INTEGER, value TEXT, vhash TEXT)")


class Cache:
    """An open cache; every method fails soft (a miss, or nothing written) rather than raising."""

    def __init__(self, conn: sqlite3.Connection, root: Path):
        self._conn = conn
        self.root = Path(root)
        self.hits = 0
        self.misses = 0
        self._held: list[tuple] | None = None  # writes kept back until flush (see open_held)
        self._absent = False  # no cache file of this version: an empty one in memory stands for it

    @classmethod
    def open(cls, root: Path, create: bool = True) -> "Cache | None":
        """The knowledge base's cache, created or rebuilt as needed; None when it cannot be used.

        Without ``create``, only a cache that is there and of this version is opened (None otherwise).
        """
        root = Path(root)
        path = cache_path(root)
        if not root.is_dir():
            return None
        for attempt in range(2):
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                if not create:
                    return None
                info = None
            except OSError:
                return None
            if info is not None and not stat.S_ISREG(info.st_mode):
                return None  # a link or anything odd in its place: never write through it
            conn = None
            try:
                conn = sqlite3.connect(f"file:{_uri(path)}?mode=rwc", uri=True, timeout=BUSY_SECONDS,
                                       isolation_level=None, check_same_thread=False)
                conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
                # A disposable cache need not survive a power cut, only stay consistent:
                # in WAL mode that holds without a sync at every commit.
                conn.execute("PRAGMA synchronous=NORMAL")
                if cls._ready(conn, create):
                    return cls(conn, root)
            except sqlite3.DatabaseError as exc:
                if conn is not None:
                    conn.close()
                    conn = None
                if attempt == 0 and create and _is_corrupt(exc):
                    clear(root)  # not a database, or a damaged one: start again
                    continue
                return None
            except (OSError, ValueError):
                pass
            if conn is not None:
                conn.close()
            return None
        return None

    @staticmethod
    def _ready(conn: sqlite3.Connection, create: bool = True) -> bool:
        """Check the header; make the tables afresh for a new or foreign cache (unless not ``create``).
        False: leave it alone."""
        header = _header()
        try:
            found = conn.execute("SELECT value FROM meta WHERE key = 'header'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            found = None
        if found is not None and found[0] == header:
            return True
        if not create:
            return False
        # New, or written by another version: rebuild it, unless another process holds it.
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            return False
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DROP TABLE IF EXISTS files")
            conn.execute("DROP TABLE IF EXISTS meta")
            conn.execute("DROP TABLE IF EXISTS blobs")
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("CREATE TABLE blobs (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute(FILES_TABLE)
            conn.execute("INSERT INTO meta VALUES ('header', ?)", (header,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True

    def close(self) -> None:
        try:
            self._conn.close()
        except sqlite3.Error:
            pass

    # --- whole-map results --------------------------------------------------------------------

    def get_blob(self, key: str) -> Any:
        """What :meth:`put_blob` stored under key (plain JSON data), or None."""
        return self.get_blobs([key]).get(key)

    def get_blobs(self, keys: Sequence[str]) -> dict[str, Any]:
        """The values stored under those of keys that are there (one query, however many keys)."""
        out: dict[str, Any] = {}
        try:
            for start in range(0, len(keys), 500):  # within SQLite's limit on a query's parameters
                chunk = list(keys[start:start + 500])
                marks = ", ".join("?" * len(chunk))
                for key, text in self._conn.execute(f"SELECT key, value FROM blobs WHERE key IN ({marks})", chunk):
                    out[key] = _loads(text)
        except (sqlite3.Error, ValueError, RecursionError):
            return {}
        return out

    def put_blob(self, key: str, value: Any, replace: str | None = None, keep: str | Sequence[str] | None = None,
                 checked: bool = False) -> None:
        """Keep plain JSON data for the next command; nothing happens when another process is writing.

        ``replace``: a key prefix whose other entries are dropped, except those
        starting with ``keep`` (one prefix or several): results for an earlier
        state of the knowledge base, which no command will ask for again. ``checked``: the caller
        made sure value is data JSON gives back equal (see :func:`exact`).
        """
        self.put_blobs([(key, value)], replace, keep, checked)

    def put_blobs(self, items: Sequence[tuple[str, Any]], replace: str | None = None,
                  keep: str | Sequence[str] | None = None, checked: bool = False) -> None:
        """:meth:`put_blob` for many keys in one transaction: all are kept, or none.

        ``replace`` without ``keep`` drops every other entry under that prefix.
        """
        try:
            rows = [(key, _dumps(value, checked)) for key, value in items]
        except (TypeError, ValueError, RecursionError):
            return
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return
        try:
            kept = [k for k in ([keep] if isinstance(keep, str) else keep or ()) if k]
            if replace is not None:
                for low, high in _gaps(replace, kept):
                    if high is None:
                        conn.execute("DELETE FROM blobs WHERE key >= ?", (low,))
                    else:
                        conn.execute("DELETE FROM blobs WHERE key >= ? AND key < ?", (low, high))
            conn.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)", rows)
            conn.execute("COMMIT")
        except (sqlite3.Error, UnicodeError):  # text SQLite cannot hold (a lone surrogate) is not kept
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # --- parsed node files ---------------------------------------------------------------------

    def parse(self, items: Sequence[Item], parse: Callable[[list[Item]], list[tuple]],
              partial: bool = False) -> list[Parsed]:
        """What ``parse(items)`` returns, taking unchanged files' results from the cache.

        Only the files that changed (or are new) are handed to ``parse``, which
        returns each one's result :func:`prepared`; their results are stored for
        the next command, and entries of files that are
        gone are dropped. ``partial``: items are some of the knowledge base's
        files only, looked up one by one (the others' entries are kept).
        """
        return self._refresh(items, parse, True, partial=partial)[0]  # type: ignore[return-value]

    def hashes(self, items: Sequence[Item], parse: Callable[[list[Item]], list[tuple]],
               relatives: Sequence[str] | None = None, partial: bool = False) -> list[str] | None:
        """A hash of each file's parse result, parsing only the changed files and decoding none.

        Two versions of a file that parse to the same data (a comment edited, a
        key's quoting changed) have the same hash, so a digest over these says
        whether the knowledge base's content changed. None when some file's
        result cannot be kept (not a plain file, or data JSON cannot hold).
        ``relatives``: each item's path inside the knowledge base, when the
        caller has them already. ``partial``: items are some of the knowledge
        base's files only (the others' entries are kept, and not read).
        """
        hashes = self._refresh(items, parse, False, relatives, partial)[1]
        return None if any(h is None for h in hashes) else hashes  # type: ignore[return-value]

    def _refresh(self, items: Sequence[Item], parse: Callable[[list[Item]], list[tuple]], decode: bool,
                 relatives: Sequence[str] | None = None, partial: bool = False
                 ) -> tuple[list[Parsed | None], list[str | None]]:
        from kb.data.store import relative_to
        if relatives is None:
            relatives = [relative_to(item[0], self.root) for item in items]
        columns = "SELECT path, size, mtime_ns, ctime_ns, ino, sha, racy, vhash" + (", value" if decode else "")
        try:
            if partial:
                rows = {}
                for relative in relatives:
                    row = self._conn.execute(columns + " FROM files WHERE path = ?", (relative,)).fetchone()
                    if row is not None:
                        rows[row[0]] = row[1:]
            else:
                rows = {row[0]: row[1:] for row in self._conn.execute(columns + " FROM files")}
        except sqlite3.Error:
            rows = {}
        now = time.time_ns()
        results: list[Parsed | None] = [None] * len(items)
        hashes: list[str | None] = [None] * len(items)
        todo: list[int] = []
        keys: dict[int, tuple] = {}
        refreshed: list[tuple] = []
        # What each file was when read (its key, and its hash where the key alone is not
        # trusted), for a caller that must tell whether it changed since.
        self.last_keys: list[tuple | None] = []
        self.last_shas: dict[int, str | None] = {}
        for index, item in enumerate(items):
            relative = relatives[index]
            key = _key(item[0])
            self.last_keys.append(key)
            row = rows.get(relative)
            if row is not None and key is not None and tuple(row[:4]) == key:
                sha, racy = row[4], row[5]
                if racy:
                    current = self.last_shas[index] = file_sha(item[0])
                    if current is None or current != sha:
                        row = None
                    elif now - key[1] >= RACY_NS:
                        refreshed.append((relative,))  # old enough now: the stat alone will do
                if row is not None and row[6]:
                    if not decode:
                        hashes[index] = row[6]
                        continue
                    decoded = _decode(row[7], item[1])
                    if decoded is not None:
                        results[index], hashes[index] = decoded, row[6]
                        continue
            todo.append(index)
            if key is not None:
                keys[index] = key
        self.hits, self.misses = len(items) - len(todo), len(todo)
        prepared_results = parse([items[i] for i in todo]) if todo else []
        writes = []
        for i, (result, sha, value, vhash) in zip(todo, prepared_results):
            if result is None and value is not None and decode:
                result = _decode(value, items[i][1])
            results[i] = result
            if i not in keys:
                continue
            self.last_shas[i] = sha
            key = keys[i]
            if sha is None or _key(items[i][0]) != key:
                continue  # not a plain file, or it changed while being read: parse it again next time
            if value is not None:
                hashes[i] = vhash
                racy = int(now - key[1] < RACY_NS or key[1] > now)
                writes.append((relatives[i], *key, sha, racy, value, vhash))
        current = set(relatives)
        gone = [] if partial else [(path,) for path in rows if path not in current]
        if writes or gone or refreshed:
            self._write(writes, gone, refreshed)
        return results, hashes

    def flush(self) -> None:
        """Write what was held back (see :func:`open_held`), and stop holding writes back."""
        held, self._held = self._held, None
        into = self
        if self._absent:  # the file was not there, or of another version: made now
            into = Cache.open(self.root)
            if into is None:
                return
        try:
            for writes, gone, refreshed in held or ():
                into._write(writes, gone, refreshed)
        finally:
            if into is not self:
                into.close()

    def _write(self, writes: list[tuple], gone: list[tuple], refreshed: list[tuple]) -> None:
        if self._held is not None:
            self._held.append((writes, gone, refreshed))
            return
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return  # another command is writing it: leave the update to a later one
        try:
            conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", writes)
            conn.executemany("DELETE FROM files WHERE path = ?", gone)
            conn.executemany("UPDATE files SET racy = 0 WHERE path = ?", refreshed)
            conn.execute("COMMIT")
        except (sqlite3.Error, UnicodeError):
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass


def open_cache(root: Path, enabled: bool = True) -> Cache | None:
    """The cache of a knowledge base when ``enabled`` and usable, else None (commands then read every file)."""
    return Cache.open(root) if enabled else None


def open_held(root: Path, enabled: bool = True) -> Cache | None:
    """The cache when ``enabled``, its writes held back until :meth:`Cache.flush`.

    For an edit, which leaves the folder as it found it unless the edit is
    made: it reads what an earlier command cached, and writes what it learnt
    (the files it parsed) only when flushed. Until then it creates nothing and
    rebuilds nothing: with no cache of this version there, it starts from an
    empty one in memory, and the flush makes the file.
    """
    if not enabled:
        return None
    found = Cache.open(root, create=False)
    if found is None:
        if not Path(root).is_dir():
            return None
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.execute(FILES_TABLE)
        found = Cache(conn, root)
        found._absent = True
    found._held = []
    return found


def exact(value: Any, depth: int = 0, wide: bool = False) -> bool:
    """Whether value is data JSON gives back equal: no tuples, NaN, infinities or integers beyond 64 bits.

    ``wide``: any number passes, for data written by Python's json module, which
    writes integers of any size and NaN and infinities as tokens it reads back.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is float:
        return wide or math.isfinite(value)
    if kind is int:
        return wide or -(1 << 63) <= value < (1 << 63)
    if depth > 100:
        return False
    if kind is list:
        return _flat(value, wide) or all(exact(v, depth + 1, wide) for v in value)
    if kind is dict:
        if not set(map(type, value)) <= _TEXT:
            return False
        return _flat(value.values(), wide) or all(exact(v, depth + 1, wide) for v in value.values())
    return False


_TEXT = {str}
_SCALARS = {str, float, int, bool, type(None)}


def _flat(values, wide: bool) -> bool:
    """Whether values are all exact scalars, tested at C speed: most of a map's values are text, numbers
    and lists or mappings of them, and a value-by-value walk of 10^5 of them costs seconds."""
    kinds = set(map(type, values))
    if not kinds <= _SCALARS:
        return False
    if wide:
        return True
    if float in kinds and not all(map(math.isfinite, (v for v in values if type(v) is float))):
        return False
    return int not in kinds or all(-(1 << 63) <= v < (1 << 63) for v in values if type(v) is int)


def _dumps(value: Any, checked: bool = False) -> str:
    """JSON text of plain data that reads back equal; TypeError for anything else (a tuple, NaN, a date).

    By orjson when installed, several times faster than json on a big map's graph.
    """
    if not checked and not exact(value):
        raise TypeError("not plain data that JSON gives back equal")
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    return orjson.dumps(value).decode("utf-8")


def _loads(text: str) -> Any:
    """JSON read back, by orjson when it is installed (several times faster on a big map's graph)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None


def _uri(path: Path) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _after(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix`` (None: there is none).

    SQLite compares keys by their UTF-8 bytes, in the order of code points, so a
    prefix is a range of the primary key's index: deleting by it touches only
    the rows deleted, where a test on each key's first characters reads every row.
    """
    for i in range(len(prefix) - 1, -1, -1):
        if ord(prefix[i]) < 0x10FFFF:
            bumped = chr(ord(prefix[i]) + 1)
            if not 0xD800 <= ord(bumped) <= 0xDFFF:
                return prefix[:i] + bumped
            return prefix[:i] + "\ue000"  # past the surrogates, which no key holds
    return None


def _gaps(prefix: str, spared: Sequence[str]) -> list[tuple[str, str | None]]:
    """The ranges of keys that start with ``prefix`` but with none of ``spared``, as [low, high) pairs."""
    inside = sorted(k for k in spared if k.startswith(prefix))
    out, low = [], prefix
    for k in inside:
        if k < low:  # within a spared prefix already skipped
            continue
        out.append((low, k))
        low = _after(k)  # type: ignore[assignment]
        if low is None:
            return [(a, b) for a, b in out if a < b]
    out.append((low, _after(prefix)))
    return [(a, b) for a, b in out if b is None or a < b]


def _key(path: Path) -> tuple | None:
    """What identifies a version of a plain file without reading it; None for anything else."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHED_BYTES:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


# Packed keys: the numbers of :func:`_key`, and what stands for None (no file has size -1).
KEY_WIDTH = 4
UNKNOWN_KEY = (-1,) * KEY_WIDTH


def packed_keys(paths: Iterable[str]) -> array:
    """:func:`_key` of every path, one flat array of integers: compared with a kept one at C speed."""
    return pack(map(_key, paths))


def pack(keys: Iterable[tuple | None]) -> array:
    """Keys as :func:`packed_keys` gives them."""
    flat = array("q")
    extend = flat.extend
    for key in keys:
        try:
            extend(UNKNOWN_KEY if key is None else key)
        except OverflowError:
            _extend_wrapped(flat, key)  # type: ignore[arg-type]
    return flat


def _extend_wrapped(flat: array, key: tuple) -> None:
    """An inode number past 2**63, kept modulo 2**64 as the file system's own C type has it."""
    del flat[len(flat) - len(flat) % KEY_WIDTH:]  # what extend() took before it stopped
    flat.extend(tuple((v + (1 << 63)) % (1 << 64) - (1 << 63) for v in key))


def unpack(flat: array, j: int) -> tuple | None:
    """The ``j``-th key of a packed array (None where it stands for none)."""
    key = tuple(flat[KEY_WIDTH * j:KEY_WIDTH * (j + 1)])
    return None if key == UNKNOWN_KEY else key


def differing(current: array, stored: array, block: int = 256) -> list[int]:
    """The positions of the keys that differ between two packed arrays of the same files.

    Compared a block of keys at a time, and key by key only inside a block
    that differs: after one edit on 10^5 files, a few hundred comparisons.
    """
    if current == stored:
        return []
    out = []
    width = KEY_WIDTH * block
    for start in range(0, len(current), width):
        if current[start:start + width] != stored[start:start + width]:
            for at in range(start, min(start + width, len(current)), KEY_WIDTH):
                if current[at:at + KEY_WIDTH] != stored[at:at + KEY_WIDTH]:
                    out.append(at // KEY_WIDTH)
    return out


def prepared(sha: str | None, result: Parsed) -> tuple[Parsed | None, str | None, str | None, str | None]:
    """A parse result as the cache keeps it: ``(result, sha, value, vhash)``, the file's hash taken
    before parsing, the result encoded and its hash. When the value reads back, ``result`` is
    None: the value holds it, and a worker sends back the text rather than the data (see
    :func:`kb.data.store.prepare_all`)."""
    value, readable = _encoded(result)
    if value is None:
        return result, sha, None, None
    return None if readable else result, sha, value, hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def file_sha(path: Path) -> str | None:
    """The SHA-256 of a plain file's bytes (None for anything else, or one too large to cache)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHED_BYTES:
            return None
        digest = hashlib.sha256()
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def _encoded(result: Parsed) -> tuple[str | None, bool]:
    """A parse result as JSON text, None when it cannot be kept (the file is then parsed every time); and
    whether :func:`_decode` reads it back.

    By orjson when the data is exact (see :func:`exact`), else by json, which
    also writes integers past 64 bits and infinities (a weight of 1e99999):
    those are not read back, so such a file is parsed again each time.
    """
    data, problems = result
    if problems:
        if any(type(part) not in (str, int) for p in problems for part in p.loc):
            return None, False
        value: Any = {"problems": [[p.line, p.col, p.code, p.message, p.severity, list(p.loc)] for p in problems]}
    elif not exact(data, wide=True):
        return None, False
    else:
        value = {"data": data}
    try:
        if exact(value):
            return _dumps(value, checked=True), True
        return json.dumps(value, ensure_ascii=False), False
    except (TypeError, ValueError, RecursionError):  # text orjson refuses (a lone surrogate)
        return (json.dumps(value, ensure_ascii=False), False) if problems else (None, False)


def _decode(value: str, display: str) -> Parsed | None:
    try:
        record = _loads(value)
        if "problems" in record:
            return None, [Problem(display, line, col, code, message, severity, tuple(loc))
                          for line, col, code, message, severity, loc in record["problems"]]
        return record["data"], []
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
