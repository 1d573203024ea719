"""doctable_http: DocTable.Orleans tables from Python over HTTP (standard library only; pandas used when present).

    from doctable_http import Table
    db = Table("http://127.0.0.1:8080", "tmp_concurrent",
               schema={"id": "id", "updated": "added", "process": "text", "number": "int"})
    db.insert({"process": "AB", "number": 1})
    with db.queue_inserter(chunk_size=1000) as q:
        for n in range(10_000):
            q.insert({"process": "AB", "number": n})
    db.head(10); db.count("number >= 10"); db.delete(all_rows=True)

See docs/HTTP.md for the routes it calls.
"""

from .client import DocTableConnectionError, DocTableError, QueueInserter, Table, tables
from .distribute import Distribute

__all__ = ["Table", "QueueInserter", "Distribute", "DocTableError", "DocTableConnectionError", "tables"]
__version__ = "0.1.0"
