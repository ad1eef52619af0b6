"""The ledger service: SQLAlchemy with asyncpg at run time, and billing called over HTTP.

Both come from devup under this app's own variable names (devup.config.json):
  LEDGER_DATABASE_URL  = {url:asyncpg}           postgresql+asyncpg://… to the ledger database
  BILLING_SERVICE_URL  = {service.billing.url}   where billing answers (its port in this checkout)
Alembic gets {url:psycopg2} in migrations.env instead: one database, two drivers.
"""

import asyncio
import json
import os
import re
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DATABASE_URL = os.environ["LEDGER_DATABASE_URL"]
BILLING_SERVICE_URL = os.environ["BILLING_SERVICE_URL"]
SUMMARY = re.compile(r"^/tenants/([a-z_][a-z0-9_]*)/summary$")


async def count_entries(tenant: str) -> int:
    engine = create_async_engine(DATABASE_URL)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(f'SELECT count(*) FROM "ledger_{tenant}".entries'))
            return int(result.scalar_one())
    finally:
        await engine.dispose()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            return self.reply(200, {"ok": True})
        match = SUMMARY.match(self.path)
        if not match:
            return self.reply(404, {"error": "not found"})
        tenant = match.group(1)
        with urllib.request.urlopen(f"{BILLING_SERVICE_URL}/tenants/{tenant}/accounts") as response:
            accounts = json.load(response)
        entries = asyncio.run(count_entries(tenant))
        return self.reply(200, {"tenant": tenant, "accounts": len(accounts), "entries": entries})

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
