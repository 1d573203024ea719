"""DocTable's notebook "Concurrent Database Connections", against a DocTable.Orleans silo over HTTP.

The three parts of the notebook, with processes as there (multiprocessing via ``Distribute``):
  1. five processes insert the numbers 0..99 one row at a time, each under a random two-letter name; head(10);
  2. a verbose queue inserter with chunk size 2 inserts 5 rows ("Inserting 2 records." twice, then 1);
  3. three processes insert the numbers 0..99 through queue inserters of their own.
Each part checks its counts; the script exits 1 if one is wrong.

    doctable serve --data /tmp/exdb --http 127.0.0.1:8080        # in another terminal
    python3 clients/python/examples/concurrent_connections.py --url http://127.0.0.1:8080

Instead of ``reopen_engine()``, each process's handle takes a producer id of its own on first use.
"""

import argparse
import os
import random
import string
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout, no install

from doctable_http import Distribute, Table  # noqa: E402

SCHEMA = {"id": "id", "updated": "added", "process": "text", "number": "int"}
DELAY = 0.01


def thread_func(numbers, db):
    process_id = "".join(random.choices(string.ascii_uppercase, k=2))
    print(f"starting process {process_id}\n", end="", flush=True)   # one write: processes share the output
    for num in numbers:
        db.insert({"process": process_id, "number": num})
        time.sleep(DELAY)


def thread_func_inserter(numbers, db):
    process_id = "".join(random.choices(string.ascii_uppercase, k=2))
    print(f"starting process {process_id}\n", end="", flush=True)   # one write: processes share the output
    with db.get_queueinserter(chunk_size=2) as inserter:   # flushed on leaving the block (and on garbage collection)
        for num in numbers:
            inserter.insert({"process": process_id, "number": num})
            time.sleep(DELAY)


def show(rows):
    """Prints head() as the notebook shows it: a DataFrame when pandas is installed, else a plain table."""
    if not isinstance(rows, list):
        print(rows)
        return
    if not rows:
        print("(no rows)")
        return
    columns = list(rows[0])
    cells = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)))


def check(what, actual, expected):
    if actual != expected:
        print(f"CHECK FAILED: {what}: {actual} (expected {expected})", flush=True)
        sys.exit(1)
    print(f"checked: {what} = {actual}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("DOCTABLE_URL", "http://127.0.0.1:8080"), help="the silo (default: DOCTABLE_URL or http://127.0.0.1:8080)")
    parser.add_argument("--table", default="tmp_concurrent")
    args = parser.parse_args()

    db = Table(args.url, args.table, schema=SCHEMA)
    numbers = list(range(100))   # these numbers are to be inserted into the database

    print("## 1. Five processes insert one row at a time", flush=True)
    db.delete(all_rows=True)
    with Distribute(5) as d:
        d.map_chunk(thread_func, numbers, db)
    show(db.head(10))
    check("rows", db.count(), 100)
    check("distinct numbers", db.aggregate("count_distinct(number)")[0]["count_distinct_number"], 100)
    per_process = db.aggregate("count", group_by="process")
    check("rows per process a multiple of 20", all(g["count"] % 20 == 0 for g in per_process), True)

    print("## 2. A verbose queue inserter with chunk_size=2", flush=True)
    inserter = db.get_queueinserter(chunk_size=2, verbose=True)
    db.delete(all_rows=True)
    for i in range(5):
        inserter.insert({"number": i})
    inserter.dump()   # dump remaining rows into db (happens automatically upon garbage collection)
    show(db.head(10))
    check("rows", db.count(), 5)

    print("## 3. Three processes with queue inserters of their own", flush=True)
    db.delete(all_rows=True)
    with Distribute(3) as d:
        d.map_chunk(thread_func_inserter, numbers, db)
    show(db.head(10))
    check("rows", db.count(), 100)
    check("distinct numbers", db.aggregate("count_distinct(number)")[0]["count_distinct_number"], 100)
    print("all counts checked", flush=True)


if __name__ == "__main__":
    main()
