"""K processes, each inserting N rows {process: "p<i>", number: 0..N-1} through a queue inserter of its own.

    python3 queue_fleet.py URL TABLE PROCESSES ROWS CHUNK

Prints one JSON line: the rows each process inserted and the table's count afterwards.
"""

import json
import multiprocessing
import sys

from doctable_http import Table


def produce(args):
    url, table, index, rows, chunk = args
    db = Table(url, table)
    with db.queue_inserter(chunk_size=chunk, flush_interval=0.5) as inserter:
        for n in range(rows):
            inserter.insert({"process": f"p{index}", "number": n})
    return rows


def main():
    url, table, processes, rows, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    db = Table(url, table, schema={"id": "id", "updated": "added", "process": "text", "number": "int"})
    with multiprocessing.Pool(processes) as pool:
        inserted = pool.map(produce, [(url, table, i, rows, chunk) for i in range(processes)])
    print(json.dumps({"inserted": inserted, "count": db.count()}), flush=True)


if __name__ == "__main__":
    main()
