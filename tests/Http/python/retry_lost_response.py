"""A POST whose answer is lost is retried with the same producer id and sequence, and stored once.

    python3 retry_lost_response.py URL TABLE

A small proxy in front of the silo forwards the first insert, waits for the silo's answer, then drops
the connection without passing the answer on: the client sees the connection break after its rows were
committed, and retries. Prints one JSON line: what the proxy saw, what the client got, the table's count.
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
                if seen["dropped"] == 0:
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
    print(json.dumps({"posts": seen["posts"], "dropped": seen["dropped"], "answers": [
        {"inserted": a["inserted"], "duplicate": a["duplicate"]} for a in seen["answers"]],
        "ids_returned": len(ids), "count": direct.count()}), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
