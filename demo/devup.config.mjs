// @ts-check
import { defineConfig } from 'devup-env';

// Every port can be moved with an env var so the e2e tests can run this workspace next to a
// developer's own `npm run dev` without the two fighting over 54329/4001-4003.
export default defineConfig({
  project: process.env.DEMO_PROJECT ?? 'devup-demo',
  database: { port: Number(process.env.DEMO_DB_PORT ?? 54329), image: process.env.DEMO_DB_IMAGE ?? 'postgres:17' },
  services: {
    // One schema per customer: devup migrates auth_default, auth_acme and auth_globex.
    auth: {
      cwd: 'services/auth',
      command: 'node server.js',
      port: Number(process.env.DEMO_AUTH_PORT ?? 4001),
      ready: { http: '/health' },
      migrations: { dir: 'migrations', tenants: ['default', 'acme', 'globex'], schema: 'auth_{tenant}' },
      seed: 'seeds/*.sql',
    },
    // golang-migrate layout (NNNN_name.up.sql / .down.sql); lands in workflow_default.
    workflow: {
      cwd: 'services/workflow',
      command: 'node server.js',
      port: Number(process.env.DEMO_WORKFLOW_PORT ?? 4002),
      dependsOn: ['auth'],
      ready: { http: '/health' },
      migrations: { dir: 'migrations' },
      seed: 'seeds/*.sql',
    },
    // dbmate layout (-- migrate:up / -- migrate:down in one file); lands in ingestion_default.
    ingestion: {
      cwd: 'services/ingestion',
      command: 'node server.js',
      port: Number(process.env.DEMO_INGESTION_PORT ?? 4003),
      ready: { http: '/health' },
      migrations: { dir: 'migrations' },
      seed: 'seeds/*.sql',
    },
  },
});
