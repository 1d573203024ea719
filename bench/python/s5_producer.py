"""One S5 producer: a Python process posting 1000-row NDJSON batches to a DocTable silo over HTTP.

Started by the benchmark (bench/Scenarios/HttpScenario.cs) with the repository's clients/python on
PYTHONPATH. It warms up on a table of its own, prints "ready", waits for "go" on stdin, then inserts
batches through doctable_http's Table.insert_many (each with this process's producer id and the next
sequence number, so exactly once) until its time or row quota is up, and prints one line:
RESULT {"rows", "seconds", "cpu_seconds", "peak_rss_mb", "latencies_us", "error"}.
"""

import argparse
import json
import resource
import sys
import time

from doctable_http import DocTableError, Table


def batch(process, start, size):
    return [{"process": process, "number": start + i} for i in range(size)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--warmup-table", required=True)
    parser.add_argument("--process", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--chunk", type=int, default=1000)
    args = parser.parse_args()

    warmup = Table(args.url, args.warmup_table)
    for i in range(10):
        warmup.insert_many(batch(args.process, i * args.chunk, args.chunk))
    db = Table(args.url, args.table)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit(3)

    latencies = []
    sent = 0
    error = None
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        while (sent < args.rows) if args.rows is not None else (time.perf_counter() - started < args.seconds):
            rows = batch(args.process, sent, args.chunk)
            t0 = time.perf_counter()
            db.insert_many(rows)   # returns once the batch is committed (a retried duplicate returns [] but is stored)
            latencies.append(int((time.perf_counter() - t0) * 1e6))
            sent += len(rows)
    except DocTableError as e:
        error = f"{args.process}: {e}"
    report = {
        "rows": sent,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "latencies_us": latencies,
        "error": error,
    }
    print("RESULT " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
