"""The ledger service: one tenant schema per customer in its own database, and a caller of billing.

It reads its database as an asyncpg-style SQLAlchemy URL (ASYNC_DATABASE_URL, as a FastAPI app
on asyncpg would) and billing's address under its own name (BILLING_SERVICE_URL). Kept to the
standard library and psycopg2, so the example runs with Debian's packages: the driver suffix is
dropped before connecting.
"""

import json
import os
import re
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

ASYNC_DATABASE_URL = os.environ["ASYNC_DATABASE_URL"]
BILLING_SERVICE_URL = os.environ["BILLING_SERVICE_URL"]
ENTRIES = re.compile(r"^/tenants/([a-z_][a-z0-9_]*)/entries$")


def psycopg2_dsn(url: str) -> str:
    """postgresql+asyncpg://… (or a plain postgresql://…) as a DSN psycopg2 accepts."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            with psycopg2.connect(psycopg2_dsn(ASYNC_DATABASE_URL)) as conn, conn.cursor() as cur:
                cur.execute("SELECT 1")
            return self.reply(200, {"ok": True})
        match = ENTRIES.match(self.path)
        if not match:
            return self.reply(404, {"error": "not found"})
        tenant = match.group(1)
        with psycopg2.connect(psycopg2_dsn(ASYNC_DATABASE_URL)) as conn, conn.cursor() as cur:
            cur.execute(f'SELECT account_name, amount_cents FROM "ledger_{tenant}".entries ORDER BY id')
            entries = [{"account": name, "amount_cents": cents} for name, cents in cur.fetchall()]
        # The accounts come from billing, through the address this service knows it by.
        with urllib.request.urlopen(f"{BILLING_SERVICE_URL}/tenants/{tenant}/accounts", timeout=5) as response:
            accounts = json.load(response)
        return self.reply(200, {"entries": entries, "accounts": len(accounts)})

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
    port = int(os.environ.get("PORT", "8031"))
    print(f"ledger listening on :{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
