import { describe, expect, it } from 'vitest';
import { describeFingerprintChange } from '../../../src/copies/build-fingerprint.js';
import { copyName, formatLabel, parseLabel } from '../../../src/copies/copy-labels.js';
import { formatAge } from '../../../src/lib/format.js';

describe('copy names and labels', () => {
  it('names a copy after its database, within the 63 bytes Postgres keeps, distinct per source', () => {
    expect(copyName('devup_demo', 'template')).toBe('devup_demo__devup_template');
    const long = 'a'.repeat(60);
    const a = copyName(long, 'snap_before-import');
    const b = copyName(`${'a'.repeat(59)}b`, 'snap_before-import');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).toMatch(/__devup_snap_before-import$/);
    expect(a).not.toBe(b);
    expect(Buffer.byteLength(copyName('é'.repeat(40), 'template'))).toBeLessThanOrEqual(63);
  });

  it("reads back its own label and ignores anyone else's comment", () => {
    const label = {
      project: 'p',
      kind: 'template' as const,
      source: 'db',
      createdAt: '2026-01-01T00:00:00.000Z',
      fingerprint: { config: 'x' },
    };
    expect(parseLabel(formatLabel(label))).toEqual(label);
    expect(parseLabel('production data, do not touch')).toBeUndefined();
    expect(parseLabel('devup:{not json')).toBeUndefined();
    expect(parseLabel('devup:{"kind":"template"}')).toBeUndefined();
    expect(parseLabel(null)).toBeUndefined();
  });
});

describe('what changed since a copy', () => {
  it('names each part that differs, appeared or went', () => {
    const then = { config: 'a', 'migrations:auth': '1', 'seeds:auth': 's', 'migrations:old': 'o' };
    const now = { config: 'a', 'migrations:auth': '2', 'seeds:auth': 's', 'migrations:new': 'n' };
    expect(describeFingerprintChange(then, now)).toEqual([
      'the migrations of auth',
      'the migrations of new',
      'the migrations of old',
    ]);
    expect(describeFingerprintChange(now, now)).toEqual([]);
    expect(describeFingerprintChange({ config: 'a' }, { config: 'b' })).toEqual(['the config']);
  });

  it('says how long ago in the largest sensible unit', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(formatAge('2026-01-01T23:59:20Z', now)).toBe('40 s');
    expect(formatAge('2026-01-01T23:48:00Z', now)).toBe('12 min');
    expect(formatAge('2026-01-01T21:00:00Z', now)).toBe('3 h');
    expect(formatAge('2025-12-30T00:00:00Z', now)).toBe('3 days');
  });
});
