// The floor for a Node tool: start node, load `pg` (devup's own copy), connect once and run one
// query per target. Usage: node node-floor.mjs <repo> <url> <file with one query per line>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [repo, url, file] = process.argv.slice(2);
const pg = createRequire(path.join(repo, 'package.json'))('pg');
const client = new pg.Client({ connectionString: url });
await client.connect();
for (const query of readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim()))
  await client.query(query);
await client.end();
