import { describe, expect, it } from 'vitest';

// The page's own modules: plain JavaScript (no declarations), run here as in the browser.
const web = (name: string) => `../../../src/dashboard/web/${name}`;
const { ansiPieces, stripAnsi } = (await import(web('ansi.js'))) as {
  ansiPieces(line: string): { text: string; classes: string }[];
  stripAnsi(line: string): string;
};
const { parseErDiagram } = (await import(web('schema.js'))) as { parseErDiagram(text: string): unknown };

describe('ansiPieces', () => {
  it('turns SGR colours and bold into classes, resets them, and drops other escapes', () => {
    expect(ansiPieces('\u001b[1m\u001b[32mok\u001b[0m plain \u001b[31;1mbad\u001b[39m\u001b[2K!')).toEqual([
      { text: 'ok', classes: 'fg32 bold' },
      { text: ' plain ', classes: '' },
      { text: 'bad', classes: 'fg31 bold' },
      { text: '!', classes: 'bold' },
    ]);
    expect(stripAnsi('\u001b[36mauth\u001b[0m |')).toBe('auth |');
  });
});

describe('parseErDiagram', () => {
  it('reads the entities, their key columns and the relations of devup schema’s erDiagram', () => {
    const diagram = [
      'erDiagram',
      '    users {',
      '        bigint id PK',
      '    }',
      '    audit_log',
      '    users ||--o{ sessions : "user_id"',
    ].join('\n');
    expect(parseErDiagram(diagram)).toEqual({
      entities: [
        { name: 'users', attributes: ['bigint id PK'] },
        { name: 'audit_log', attributes: [] },
      ],
      relations: [{ from: 'users', card: '||--o{', to: 'sessions', label: 'user_id' }],
    });
  });
});
