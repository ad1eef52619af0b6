"""The billing service: a few lines of http.server and psycopg2, enough to show the wiring.

devup passes DATABASE_URL (a plain postgresql:// URL) and PORT. Each request names its tenant;
the tenant's tables live in the schema billing_<tenant>.
"""

import json
import os
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

DATABASE_URL = os.environ["DATABASE_URL"]
ACCOUNTS = re.compile(r"^/tenants/([a-z_][a-z0-9_]*)/accounts$")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            return self.reply(200, {"ok": True})
        match = ACCOUNTS.match(self.path)
        if not match:
            return self.reply(404, {"error": "not found"})
        with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
            cur.execute(f'SELECT id::text, name FROM "billing_{match.group(1)}".accounts ORDER BY name')
            rows = [{"id": id, "name": name} for id, name in cur.fetchall()]
        return self.reply(200, rows)

    def reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}", flush=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8030"))
    print(f"billing listening on :{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
