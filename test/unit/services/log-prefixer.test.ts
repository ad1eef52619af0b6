import { describe, expect, it } from 'vitest';
import { colorCodeFor, LogPrefixer } from '../../../src/services/log-prefixer.js';

const ESC = '\u001b';

describe('LogPrefixer without colours', () => {
  const prefixer = new LogPrefixer(['api', 'workflow'], { color: false });

  it('pads every name to the longest, with a marker per source', () => {
    expect(prefixer.format('api', 'stdout', 'listening')).toBe('api      | listening\n');
    expect(prefixer.format('workflow', 'stdout', 'up')).toBe('workflow | up\n');
    expect(prefixer.format('api', 'stderr', 'warning')).toBe('api      ! warning\n');
    expect(prefixer.format('api', 'devup', 'exited with code 1')).toBe('api      * exited with code 1\n');
  });

  it("strips the child's colours and other escape sequences", () => {
    const line = `${ESC}[32mready${ESC}[39m ${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\ ${ESC}[2K`;
    expect(prefixer.format('api', 'stdout', line)).toBe('api      | ready link \n');
  });

  it('leaves text without escapes untouched', () => {
    expect(prefixer.format('api', 'stdout', 'a | b [1m')).toBe('api      | a | b [1m\n');
  });

  it('drops the \\r of CRLF output and keeps the last state of a redrawn progress line', () => {
    expect(prefixer.format('api', 'stdout', 'windows\r')).toBe('api      | windows\n');
    expect(prefixer.format('api', 'stdout', '10%\r50%\r100%')).toBe('api      | 100%\n');
  });

  it('prints an empty line without a trailing space', () => {
    expect(prefixer.format('api', 'stdout', '')).toBe('api      |\n');
  });
});

describe('LogPrefixer with colours', () => {
  const prefixer = new LogPrefixer(['api', 'workflow'], { color: true });

  it('colours the name by a stable hash, and the stderr marker red', () => {
    const code = colorCodeFor('api');
    expect(prefixer.format('api', 'stdout', 'x')).toBe(
      `${ESC}[${code}mapi     ${ESC}[0m ${ESC}[${code}m|${ESC}[0m x\n`,
    );
    expect(prefixer.format('api', 'stderr', 'x')).toBe(`${ESC}[${code}mapi     ${ESC}[0m ${ESC}[31m!${ESC}[0m x\n`);
  });

  it("keeps the child's colours, closing them at the end of the line", () => {
    const line = `${ESC}[33mwarn${ESC}[39m slow query`;
    expect(prefixer.format('api', 'stdout', line).endsWith(` ${line}${ESC}[0m\n`)).toBe(true);
    expect(prefixer.format('api', 'stdout', 'plain').endsWith(' plain\n')).toBe(true);
  });

  it('gives the same name the same colour, from a palette of six without red', () => {
    expect(colorCodeFor('auth')).toBe(colorCodeFor('auth'));
    const codes = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'auth', 'workflow', 'ingestion'].map(colorCodeFor));
    for (const code of codes) expect([36, 32, 33, 34, 35, 96]).toContain(code);
    expect(codes.size).toBeGreaterThan(2);
  });
});
