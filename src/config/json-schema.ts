import * as z from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema of devup.config.json, published as `devup-env/schema.json`. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    title: 'devup config',
    description: 'Configuration of devup: the database, and every service with its migrations.',
    ...schema,
  };
}
