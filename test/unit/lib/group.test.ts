import { describe, expect, it } from 'vitest';
import { appendToGroup } from '../../../src/lib/group.js';

describe('appendToGroup', () => {
  it('keeps each key’s values in arrival order, one array per key appended in place', () => {
    const groups = new Map<string, number[]>();
    appendToGroup(groups, 'a', 1);
    const first = groups.get('a');
    appendToGroup(groups, 'b', 2);
    appendToGroup(groups, 'a', 3);
    expect([...groups]).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
    expect(groups.get('a')).toBe(first);
  });
});
