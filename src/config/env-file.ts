import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ServiceSettings } from './types.js';

/** The variables of a service's `envFile` ({} when it has none); services and their tools both get them. */
export async function readServiceEnvFile(service: ServiceSettings): Promise<Record<string, string>> {
  const file = service.envFile;
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(
      `Cannot read the env file of service "${service.name}": ${path.relative(process.cwd(), file) || file}`,
      {
        hint: `Create the file, or change or remove services.${service.name}.envFile.`,
        cause: error,
      },
    );
  }
  // Loaded only for services that have an env file.
  const { parse } = await import('dotenv');
  return parse(text);
}
