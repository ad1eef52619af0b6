import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/config/json-schema.js';

it('the published JSON Schema is up to date (run `node scripts/generate-schema.mjs` after a build)', () => {
  const committed = JSON.parse(
    readFileSync(new URL('../../../schema/devup.config.schema.json', import.meta.url), 'utf8'),
  );
  expect(committed).toEqual(configJsonSchema());
});

it('rejects unknown keys in the JSON form too', () => {
  const schema = configJsonSchema() as { additionalProperties?: boolean; required?: string[] };
  expect(schema.additionalProperties).toBe(false);
  expect(schema.required).toEqual(['services']);
});
