"""A POST whose answer is lost is retried with the same producer id and sequence, and stored once.

    python3 retry_lost_response.py URL TABLE

A small proxy in front of the silo forwards an insert, waits for the silo's answer, then drops the
connection without passing the answer on: the client sees the connection break after its rows were
committed, and retries. Part 1: one insert_many whose first answer is lost. Part 2: a queue inserter
(TABLE_queue) whose chunk loses every answer until the client gives up and raises; a later flush sends
the same chunk again and it is stored once. Prints one JSON line: what the proxy saw, what the client
got, the tables' counts.
"""

import http.client
import http.server
import json
import sys
import threading
from urllib.parse import urlsplit

from doctable_http import Table


def main():
    url, table = sys.argv[1], sys.argv[2]
    upstream = urlsplit(url)
    seen = {"posts": 0, "dropped": 0, "answers": []}
    drop = {"left": 1}

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
            if self.command == "POST" and "/rows" in self.path:
                seen["posts"] += 1
                seen["answers"].append(json.loads(data))
                if drop["left"] > 0:
                    drop["left"] -= 1
                    seen["dropped"] += 1
                    self.close_connection = True   # committed upstream; the client never hears of it
                    return
            self.send_response(response.status)
            self.send_header("Content-Type", response.getheader("Content-Type") or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxied = f"http://127.0.0.1:{server.server_address[1]}"

    db = Table(proxied, table, schema={"id": "id", "process": "text", "number": "int"})
    rows = [{"process": "retry", "number": n} for n in range(500)]
    ids = db.insert_many(rows)
    direct = Table(url, table)
    result = {"posts": seen["posts"], "dropped": seen["dropped"], "answers": [
        {"inserted": a["inserted"], "duplicate": a["duplicate"]} for a in seen["answers"]],
        "ids_returned": len(ids), "count": direct.count()}

    # Part 2: the answers of the first chunk's first attempt and its one retry are lost; the flush raises.
    seen.update(posts=0, dropped=0, answers=[])
    drop["left"] = 2
    queued = Table(proxied, table + "_queue", schema={"id": "id", "process": "text", "number": "int"}, retries=1)
    inserter = queued.queue_inserter(chunk_size=100)
    error = None
    try:
        inserter.insert_many({"process": "queued", "number": n} for n in range(100))
    except Exception as e:  # noqa: BLE001 - reported below
        error = type(e).__name__
    pending_after_error = len(inserter)
    inserter.insert_many({"process": "queued", "number": n} for n in range(100, 150))
    inserter.close()
    result["queue"] = {"error": error, "pending_after_error": pending_after_error, "posts": seen["posts"],
                       "dropped": seen["dropped"], "answers": [
                           {"inserted": a["inserted"], "duplicate": a["duplicate"]} for a in seen["answers"]],
                       "count": Table(url, table + "_queue").count()}
    print(json.dumps(result), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
