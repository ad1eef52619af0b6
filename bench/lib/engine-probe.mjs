// Times one step in a fresh process: load the config (untimed), then bootDatabase (timed).
// Usage: node engine-probe.mjs <repo> <config>   → prints {"ms":…,"action":…,"engine":…}
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [repo, configPath] = process.argv.slice(2);
const dist = (file) => pathToFileURL(path.join(repo, 'dist', file)).href;
const { loadConfigFile } = await import(dist('config/load.js'));
const { bootDatabase } = await import(dist('database/boot.js'));

const config = await loadConfigFile({ cwd: path.dirname(configPath), configPath });
const sink = { notice: (m) => process.stderr.write(`${m}\n`), progress: (m) => process.stderr.write(`${m}\n`) };
const started = performance.now();
const db = await bootDatabase(config, { sink });
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, action: db.action, engine: db.engine })}\n`);
process.exit(0);
