"""The Python client raises DocTableError with the silo's status, code and line for bad requests.

    python3 client_errors.py URL TABLE

Prints one JSON line: for each case, the status, code and line the client raised, and the count afterwards.
"""

import json
import sys

from doctable_http import DocTableError, Table


def main():
    url, table = sys.argv[1], sys.argv[2]
    db = Table(url, table, schema={"id": "id", "process": "text", "number": {"type": "int", "nullable": False}})
    db.insert_many([{"process": "ok", "number": n} for n in range(3)])
    cases = {
        "wrong_type": lambda: db.insert_many([{"process": "a", "number": 1}, {"process": "b", "number": "two"}]),
        "unknown_column": lambda: db.insert_many([{"process": "a", "number": 1, "colour": "red"}]),
        "null": lambda: db.insert_many([{"process": "a", "number": 1}, {"process": "b", "number": None}]),
        "bad_csv": lambda: db.insert_csv("process,number\na,1\nb\n"),
        "bad_filter": lambda: db.count("number >>= 1"),
        "delete_all_without_flag": lambda: db.delete(),
        "unknown_table": lambda: Table(url, "no_such_table").count(),
    }
    result = {}
    for name, call in cases.items():
        try:
            call()
            result[name] = None
        except DocTableError as e:
            result[name] = {"status": e.status, "code": e.code, "line": e.line}
    result["count"] = db.count()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
