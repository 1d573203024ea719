"""A DocTable.Orleans table over HTTP, with the standard library only (pandas is used when present).

Every insert is sent with this process's producer id and the next sequence number, so a POST retried
after a lost connection is stored once: the table answers ``duplicate`` and writes nothing. Handles
copied into other processes (``multiprocessing``) take a producer id of their own on first use, as
DocTable's ``reopen_engine()`` gives each process its own connection.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import http.client
import json
import math
import os
import socket
import sys
import threading
import time
import uuid
import weakref
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple
from json.encoder import encode_basestring as _encode_text   # C-accelerated where available; keeps non-ASCII as is
from urllib.parse import quote, urlencode, urlsplit

__all__ = ["Table", "QueueInserter", "DocTableError", "DocTableConnectionError", "tables"]


class DocTableError(Exception):
    """An error the silo answered: ``status`` (HTTP), ``code`` (e.g. ``ColumnType``, ``UnknownColumn``), ``line`` of the body when known."""

    def __init__(self, status: int, code: str, message: str, line: Optional[int] = None):
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.line = line


class DocTableConnectionError(DocTableError):
    """The silo could not be reached (or the connection broke) and retrying did not help."""

    def __init__(self, message: str):
        super().__init__(0, "Connection", message)


_IDLE_SECONDS = 30.0
_RETRIABLE = (ConnectionError, TimeoutError, socket.timeout, http.client.HTTPException, OSError)


class _Http:
    """One keep-alive connection per thread and process to the silo at ``url``."""

    def __init__(self, url: str, token: Optional[str], timeout: float, retries: int):
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL of a DocTable silo, e.g. http://127.0.0.1:8080")
        self.url = url.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self._local = threading.local()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_local"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and time.monotonic() - self._local.used > _IDLE_SECONDS:
            self._drop()   # the silo may have closed it (keep-alive timeout): never send a write into a stale connection
            conn = None
        self._local.used = time.monotonic()
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            conn = cls(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def request(self, method: str, path: str, query: Optional[Mapping[str, Any]] = None, body: Optional[bytes] = None,
                content_type: Optional[str] = None, retry: bool = False, stream: bool = False):
        """Sends a request; returns the body (bytes) or, with ``stream``, the open response.

        Connection errors are retried (with the same body) when ``retry`` is true — reads, and inserts
        carrying a producer id and sequence — and always when the connection was refused (nothing was sent).
        """
        target = self.prefix + path
        if query:
            target += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Accept": "application/json, application/x-ndjson"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/x-ndjson"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            conn = self._connection()
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                if response.status >= 400:
                    data = response.read()
                    raise _error(response.status, data)
                if stream:
                    return response
                return response.read()
            except DocTableError as e:
                if e.status == 503 and retry and attempt < self.retries:
                    attempt += 1
                    time.sleep(min(2.0, 0.05 * 2 ** attempt))
                    continue
                raise
            except _RETRIABLE as e:
                self._drop()
                refused = isinstance(e, ConnectionRefusedError)
                if (retry or refused) and attempt < self.retries:
                    attempt += 1
                    time.sleep(min(2.0, 0.05 * 2 ** attempt))
                    continue
                raise DocTableConnectionError(
                    f"{method} {self.url}{path} failed after {attempt + 1} attempt(s): {type(e).__name__}: {e}") from e

    def stream_lines(self, path: str, query: Mapping[str, Any]) -> Iterator[Dict[str, Any]]:
        """The NDJSON rows of a GET, read as they arrive."""
        response = self.request("GET", path, query, retry=True, stream=True)
        done = False
        try:
            for line in response:
                if line.strip():
                    yield json.loads(line)
            done = True
        except _RETRIABLE as e:
            raise DocTableConnectionError(f"GET {self.url}{path}: the stream broke ({type(e).__name__}: {e}); the rows read so far are incomplete") from e
        finally:
            if not done:
                self._drop()   # a half-read response leaves the connection unusable


def _error(status: int, data: bytes) -> DocTableError:
    try:
        body = json.loads(data)
        return DocTableError(status, body.get("error", "Http"), body.get("message", ""), body.get("line"))
    except (ValueError, AttributeError):
        return DocTableError(status, "Http", data.decode("utf-8", "replace")[:500] or http.client.responses.get(status, ""))


def _rejected(error: DocTableError) -> bool:
    """True when the same rows cannot succeed: the silo refused the request itself (4xx but 401, 408,
    429) or a file of the table is missing (500 MissingFile). Anything else may pass, and sending the
    chunk again under its producer id and sequence is safe."""
    if error.status == 500:
        return error.code == "MissingFile"
    return 400 <= error.status < 500 and error.status not in (401, 408, 429)


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "item"):   # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent to DocTable: {value!r}")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# One encoder for every row: json.dumps with options builds a new encoder per call, a third of the cost of a small row.
_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_json_default, allow_nan=False, ensure_ascii=False)


def _dumps(row: Mapping[str, Any]) -> str:
    try:
        return _ENCODER.encode(row)
    except ValueError:   # NaN or ±inf: JSON has no such numbers; the silo takes them as strings
        return json.dumps(_finite(row), separators=(",", ":"), default=_json_default, ensure_ascii=False)


_KEYS: Dict[str, str] = {}


def _ndjson_simple(rows: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """NDJSON of rows whose keys are text and values text, int, finite float, bool or None; None for anything else.

    The same text json would write, three times faster than one encoder call per row.
    """
    lines = []
    append = lines.append
    for row in rows:
        items = []
        for key, value in row.items():
            kind = type(value)
            if kind is str:
                text = _encode_text(value)
            elif kind is int:
                text = int.__repr__(value)
            elif value is None:
                text = "null"
            elif kind is float and math.isfinite(value):
                text = float.__repr__(value)
            elif kind is bool:
                text = "true" if value else "false"
            else:
                return None
            name = _KEYS.get(key)
            if name is None:
                if type(key) is not str or len(_KEYS) > 10_000:
                    return None
                name = _KEYS[key] = _encode_text(key) + ":"
            items.append(name + text)
        append("{" + ",".join(items) + "}")
    append("")
    return "\n".join(lines)


def _ndjson(rows: Sequence[Mapping[str, Any]]) -> bytes:
    text = _ndjson_simple(rows)
    if text is None:
        text = "\n".join(map(_dumps, rows)) + "\n"
    return text.encode("utf-8")


def tables(url: str, token: Optional[str] = None, timeout: float = 60.0) -> List[str]:
    """The tables of the silo at ``url`` (the tables in its data directory)."""
    http = _Http(url, token if token is not None else os.environ.get("DOCTABLE_TOKEN"), timeout, 5)
    return json.loads(http.request("GET", "/tables", retry=True))["tables"]


class Table:
    """A DocTable.Orleans table reached over HTTP, as DocTable's ``DocTable(schema=…, target=…)``.

    ``schema`` creates the table (or checks the stored one and adds missing columns), either as the full
    JSON form or as ``{"id": "id", "updated": "added", "process": "text", "number": "int"}``. Without a
    schema the table must exist. ``token`` (or ``DOCTABLE_TOKEN``) is the silo's bearer token.
    ``retries`` bounds how often a request is resent after a connection error.
    """

    def __init__(self, url: str, name: str, schema: Optional[Mapping[str, Any]] = None, token: Optional[str] = None,
                 timeout: float = 60.0, retries: int = 10):
        self.name = name
        self.url = url.rstrip("/")
        self._http = _Http(url, token if token is not None else os.environ.get("DOCTABLE_TOKEN"), timeout, retries)
        self._path = "/tables/" + quote(name, safe="")
        self._lock = threading.Lock()
        self._pid: Optional[int] = None
        self._producer: Optional[str] = None
        self._sequence = 0
        if schema is not None:
            body = schema if "columns" in schema else {"columns": dict(schema)}
            self._http.request("PUT", self._path, body=json.dumps(body).encode("utf-8"), content_type="application/json", retry=True)

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_lock"]
        state["_pid"] = None   # a copy in another process is a new producer
        state["_producer"] = None
        state["_sequence"] = 0
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Table({self.url!r}, {self.name!r})"

    @property
    def producer_id(self) -> str:
        """This process's producer id for the table (new in every process)."""
        with self._lock:
            self._ensure_producer()
            return self._producer  # type: ignore[return-value]

    def _ensure_producer(self) -> None:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._producer = f"py-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
            self._sequence = 0

    def _next_sequence(self):
        with self._lock:
            self._ensure_producer()
            self._sequence += 1
            return self._producer, self._sequence

    # writes -----------------------------------------------------------------------------------------

    def insert(self, row: Mapping[str, Any]) -> Optional[int]:
        """Inserts one row; returns its id once committed (None when a retry found it already stored)."""
        ids = self.insert_many([row])
        return ids[0] if ids else None

    def insert_many(self, rows: Sequence[Mapping[str, Any]], on_conflict: str = "fail") -> List[int]:
        """Inserts rows as one batch in one transaction; returns their ids once committed.

        One bad row rejects the batch (``DocTableError`` naming the line); nothing of it is stored. A
        batch that a retry finds already stored returns an empty list.
        """
        rows = list(rows)
        if not rows:
            return []
        return self._post_rows(rows, *self._next_sequence(), on_conflict=on_conflict)

    def _post_rows(self, rows: Sequence[Mapping[str, Any]], producer: str, sequence: int, on_conflict: str = "fail") -> List[int]:
        """POSTs rows as batch ``sequence`` of ``producer``: sent again under the same pair, it is stored once."""
        query = {"producer": producer, "sequence": sequence}
        if on_conflict != "fail":
            query["on_conflict"] = on_conflict
        answer = json.loads(self._http.request("POST", self._path + "/rows", query, body=_ndjson(rows), retry=True))
        return answer["ids"]

    def insert_csv(self, text: str) -> List[int]:
        """Inserts CSV text (a header line naming the columns) as one batch."""
        producer, sequence = self._next_sequence()
        answer = json.loads(self._http.request("POST", self._path + "/rows", {"producer": producer, "sequence": sequence},
                                               body=text.encode("utf-8"), content_type="text/csv", retry=True))
        return answer["ids"]

    def update(self, values: Mapping[str, Any], where: Optional[str] = None, all_rows: bool = False) -> int:
        """Sets ``values`` on the rows matching ``where`` (e.g. ``"number < 10"``); every row only with ``all_rows=True``."""
        query = {"where": where, "all": "true" if all_rows else None}
        return json.loads(self._http.request("PATCH", self._path + "/rows", query, body=_dumps(values).encode("utf-8"),
                                             content_type="application/json"))["updated"]

    def delete(self, where: Optional[str] = None, all_rows: bool = False) -> int:
        """Deletes the rows matching ``where``; every row only with ``all_rows=True`` (DocTable's bare ``delete()``)."""
        query = {"where": where, "all": "true" if all_rows else None}
        return json.loads(self._http.request("DELETE", self._path + "/rows", query))["deleted"]

    def queue_inserter(self, chunk_size: int = 1000, flush_interval: Optional[float] = None, verbose: bool = False) -> "QueueInserter":
        """A buffer that inserts ``chunk_size`` rows at a time (and after ``flush_interval`` seconds), as DocTable's queue inserter."""
        return QueueInserter(self, chunk_size, flush_interval, verbose)

    get_queueinserter = queue_inserter

    # reads ------------------------------------------------------------------------------------------

    def select_iter(self, where: Optional[str] = None, order_by: Optional[str] = None, limit: Optional[int] = None,
                    offset: Optional[int] = None, columns: Optional[Sequence[str]] = None) -> Iterator[Dict[str, Any]]:
        """The matching rows as dicts, read as the silo streams them (bounded memory on both sides)."""
        query = {"where": where, "order_by": order_by, "limit": limit, "offset": offset,
                 "columns": ",".join(columns) if columns else None}
        return self._http.stream_lines(self._path + "/rows", query)

    def select(self, where: Optional[str] = None, order_by: Optional[str] = None, limit: Optional[int] = None,
               offset: Optional[int] = None, columns: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """The matching rows as a list of dicts: ``where="number >= 10 and process = 'AB'"``, ``order_by="number desc"``."""
        return list(self.select_iter(where, order_by, limit, offset, columns))

    def head(self, n: int = 5):
        """The first ``n`` rows: a pandas DataFrame when pandas is installed, else a list of dicts."""
        rows = list(self._http.stream_lines(self._path + "/head", {"n": n}))
        try:
            import pandas  # type: ignore
        except ImportError:
            return rows
        return pandas.DataFrame(rows)

    def count(self, where: Optional[str] = None) -> int:
        """Rows matching ``where`` (all rows without it)."""
        return json.loads(self._http.request("GET", self._path + "/count", {"where": where}, retry=True))["count"]

    def aggregate(self, select: str = "count", group_by: Optional[str] = None, where: Optional[str] = None,
                  limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Aggregates, e.g. ``aggregate("count,sum(number)", group_by="process")``: one dict per group."""
        query = {"select": select, "group_by": group_by, "where": where, "limit": limit}
        return list(self._http.stream_lines(self._path + "/aggregate", query))

    def schema(self) -> Dict[str, Any]:
        """The stored schema (canonical JSON form)."""
        return json.loads(self._http.request("GET", self._path, retry=True))["schema"]

    def stats(self) -> Dict[str, Any]:
        """Counters of the table's activation: commits, rows inserted, pending rows, …"""
        return json.loads(self._http.request("GET", self._path + "/stats", retry=True))


class QueueInserter:
    """Buffers rows and inserts them ``chunk_size`` at a time, as DocTable's ``get_queueinserter``.

    A chunk is sent when the buffer holds ``chunk_size`` rows, when ``flush_interval`` seconds have passed
    since the oldest buffered row (if given), on ``flush()``/``dump()``, on leaving a ``with`` block and
    when the inserter is garbage-collected. With ``verbose`` each chunk prints ``Inserting N records.``.
    Each chunk is one exactly-once batch: its producer id and sequence are fixed when it is cut from the
    buffer, so a chunk whose send failed for a reason that may pass (the silo unreachable, 5xx, a full
    disk) stays first in line and is sent again under the same pair — stored once, whether or not the
    failed attempt had been stored. A chunk the silo rejects (4xx: a wrong type, a constraint, …) is
    dropped and the error raised: sending the same rows again could not succeed.
    """

    def __init__(self, table: Table, chunk_size: int = 1000, flush_interval: Optional[float] = None, verbose: bool = False):
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1 (got {chunk_size})")
        if flush_interval is not None and flush_interval <= 0:
            raise ValueError(f"flush_interval must be positive (got {flush_interval})")
        self.table = table
        self.chunk_size = chunk_size
        self.flush_interval = flush_interval
        self.verbose = verbose
        self._rows: List[Mapping[str, Any]] = []
        self._unsent: Optional[Tuple[List[Mapping[str, Any]], str, int]] = None  # a cut chunk, not yet stored
        self._oldest = 0.0
        self._lock = threading.RLock()
        self._closed = False
        self._wake = threading.Event()
        if flush_interval is not None:
            # The timer thread holds only a weak reference, so a dropped inserter is still collected (and flushed).
            thread = threading.Thread(target=QueueInserter._timer, args=(weakref.ref(self), flush_interval, self._wake),
                                      name="doctable-queue-inserter", daemon=True)
            thread.start()

    @staticmethod
    def _timer(ref, interval: float, wake: threading.Event) -> None:
        while not wake.wait(interval / 4):
            inserter = ref()
            if inserter is None:
                return
            try:
                inserter._flush_if_old()
            except DocTableError as e:
                kept = "the rows stay buffered" if not _rejected(e) else "the chunk was rejected and dropped"
                print(f"doctable_http: a timed flush failed, {kept}: {e}", file=sys.stderr)
            del inserter

    def _flush_if_old(self) -> None:
        with self._lock:
            if self._unsent is not None or (self._rows and time.monotonic() - self._oldest >= self.flush_interval):  # type: ignore[operator]
                self._flush_locked()

    def insert(self, row: Mapping[str, Any]) -> None:
        """Buffers a row; sends a chunk when ``chunk_size`` rows are buffered."""
        with self._lock:
            if self._closed:
                raise ValueError("this queue inserter is closed")
            if not self._rows:
                self._oldest = time.monotonic()
            self._rows.append(row)
            if len(self._rows) >= self.chunk_size:
                self._flush_locked()

    def insert_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Buffers rows, sending full chunks as they fill."""
        for row in rows:
            self.insert(row)

    def flush(self) -> None:
        """Sends every buffered row (in chunks of ``chunk_size``)."""
        with self._lock:
            self._flush_locked()

    dump = flush

    def _flush_locked(self) -> None:
        while self._unsent is not None or self._rows:
            if self._unsent is None:
                chunk = self._rows[: self.chunk_size]
                del self._rows[: len(chunk)]
                self._oldest = time.monotonic()
                self._unsent = (chunk, *self.table._next_sequence())
            chunk, producer, sequence = self._unsent
            if self.verbose:
                print(f"Inserting {len(chunk)} records.\n", end="", flush=True)
            try:
                self.table._post_rows(chunk, producer, sequence)
            except DocTableError as e:
                if _rejected(e):
                    self._unsent = None
                raise
            self._unsent = None

    def close(self) -> None:
        """Flushes and stops the timer; later inserts are refused."""
        with self._lock:
            if self._closed:
                return
            self._flush_locked()
            self._closed = True
            self._wake.set()

    def __len__(self) -> int:
        return len(self._rows) + (len(self._unsent[0]) if self._unsent is not None else 0)

    def __enter__(self) -> "QueueInserter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not self._closed and len(self):
                self.close()
        except Exception as e:  # noqa: BLE001 - never raise from a finalizer, but never lose rows silently
            print(f"doctable_http: {len(self)} buffered rows were not stored when the queue inserter was dropped: {e}", file=sys.stderr)
