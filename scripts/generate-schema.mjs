// Writes schema/devup.config.schema.json (for devup.config.json users' editors) from the zod schema.
// Run after `npm run build`; a unit test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/config/json-schema.js';

const file = new URL('../schema/devup.config.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
