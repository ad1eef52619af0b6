import { secretMasker } from '../lib/secret-mask.js';

/** Names whose values are secrets whatever they hold. */
const SECRET_NAME = /pass(word)?|secret|token|api[_-]?key|private|credential|auth[_-]?key|_key$/i;
/** `scheme://user:password@host`: the password part, in URLs and command lines alike. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi;

/** A value as the page may show it: the devup password masked everywhere, URL passwords masked. */
export function maskValue(value: string, password: string | undefined): string {
  return secretMasker(password)(value).replace(URL_PASSWORD, '$1****@');
}

/** An environment for the page: secrets by name replaced whole, passwords in URLs and commands masked. */
export function maskEnvironment(env: Record<string, string>, password: string | undefined): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key] as string;
    masked[key] = SECRET_NAME.test(key) && value !== '' ? '****' : maskValue(value, password);
  }
  return masked;
}
