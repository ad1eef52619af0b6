import { describe, expect, it } from 'vitest';
import { AlembicGraph, type AlembicRevision, parseAlembicRevision } from '../../../src/migrations/tools/alembic.js';
import { MigrationFilesError } from '../../../src/migrations/tools/tool-adapter.js';

const rev = (revision: string, ...downRevisions: string[]): AlembicRevision => ({
  revision,
  downRevisions,
  file: `${revision}.py`,
});

describe('parseAlembicRevision', () => {
  it('reads the classic template, ignoring the docstring', () => {
    const source = `"""add users\n\nRevision ID: ae1027a6acf\nRevises: 1975ea83b712\n"""\nrevision = 'ae1027a6acf'\ndown_revision = '1975ea83b712'\nbranch_labels = None\n`;
    expect(parseAlembicRevision(source, 'a.py')).toEqual({
      revision: 'ae1027a6acf',
      downRevisions: ['1975ea83b712'],
      file: 'a.py',
    });
  });

  it('reads a base revision (None) and double quotes', () => {
    expect(parseAlembicRevision('revision = "base1"\ndown_revision = None\n', 'b.py').downRevisions).toEqual([]);
  });

  it('reads the annotated forms of newer templates', () => {
    const source = `revision: str = "2b1f"\ndown_revision: Union[str, None] = "1a0e"\nbranch_labels: Union[str, Sequence[str], None] = None\n`;
    expect(parseAlembicRevision(source, 'c.py')).toMatchObject({ revision: '2b1f', downRevisions: ['1a0e'] });
    expect(
      parseAlembicRevision('revision: str = "x"\ndown_revision: str | None = None\n', 'd.py').downRevisions,
    ).toEqual([]);
  });

  it('reads merge revisions as tuples and lists, over several lines', () => {
    expect(parseAlembicRevision("revision = 'm'\ndown_revision = ('a', 'b')\n", 'm.py').downRevisions).toEqual([
      'a',
      'b',
    ]);
    expect(
      parseAlembicRevision("revision = 'm'\ndown_revision = (\n    'a',\n    \"b\",\n)\n", 'm.py').downRevisions,
    ).toEqual(['a', 'b']);
    expect(
      parseAlembicRevision("revision = 'm'\ndown_revision: Union[str, Sequence[str], None] = ['a', 'b']\n", 'm.py')
        .downRevisions,
    ).toEqual(['a', 'b']);
  });

  it('does not mistake revision_id or the docstring for the revision', () => {
    const source = `"""x\nrevision id: nope\n"""\nrevision_id = 'nope'\nrevision = 'yes'\ndown_revision = None\n`;
    expect(parseAlembicRevision(source, 'e.py').revision).toBe('yes');
  });

  it('refuses what it cannot read plainly', () => {
    expect(() => parseAlembicRevision('down_revision = None\n', 'f.py')).toThrow(MigrationFilesError);
    expect(() => parseAlembicRevision("revision = 'x'\n", 'f.py')).toThrow(/no down_revision/);
    expect(() => parseAlembicRevision("revision = 'x'\ndown_revision = compute()\n", 'f.py')).toThrow(
      MigrationFilesError,
    );
    expect(() => parseAlembicRevision("revision = 'x'\ndown_revision = ('a', OTHER)\n", 'f.py')).toThrow(
      MigrationFilesError,
    );
  });
});

describe('AlembicGraph', () => {
  it('finds the single head of a chain and orders it base first', () => {
    const graph = new AlembicGraph([rev('c', 'b'), rev('a'), rev('b', 'a')]);
    expect([...graph.heads]).toEqual(['c']);
    expect(graph.order).toEqual(['a', 'b', 'c']);
  });

  it('a merge revision is the only head; both branches are below it', () => {
    const graph = new AlembicGraph([rev('a'), rev('b1', 'a'), rev('b2', 'a'), rev('m', 'b1', 'b2')]);
    expect([...graph.heads]).toEqual(['m']);
    expect(graph.order.indexOf('m')).toBe(3);
    expect(graph.status(['m'])).toEqual({ pending: [] });
    expect(graph.status(['b1'])).toEqual({ pending: ['b2', 'm'] });
  });

  it('unmerged branches have two heads; both must be applied', () => {
    const graph = new AlembicGraph([rev('a'), rev('b1', 'a'), rev('b2', 'a')]);
    expect(new Set(graph.heads)).toEqual(new Set(['b1', 'b2']));
    expect(graph.status(['b2', 'b1'])).toEqual({ pending: [] });
    expect(graph.status(['b1'])).toEqual({ pending: ['b2'] });
  });

  it('lists everything as pending for an empty alembic_version', () => {
    expect(new AlembicGraph([rev('a'), rev('b', 'a')]).status([]).pending).toEqual(['a', 'b']);
  });

  it('is not up to date when alembic_version names a revision that has no file (a downgrade elsewhere, a deleted file)', () => {
    const status = new AlembicGraph([rev('a'), rev('b', 'a')]).status(['zzz']);
    expect(status.problem).toMatch(/zzz/);
  });

  it('is not up to date when alembic_version lists a non-head next to the head', () => {
    expect(new AlembicGraph([rev('a'), rev('b', 'a')]).status(['a', 'b']).problem).toMatch(/not heads: a/);
  });

  it('refuses duplicates, unknown down revisions and cycles', () => {
    expect(() => new AlembicGraph([rev('a'), rev('a')])).toThrow(/twice/);
    expect(() => new AlembicGraph([rev('b', 'nope')])).toThrow(/unknown revision nope/);
    expect(() => new AlembicGraph([rev('a', 'b'), rev('b', 'a')])).toThrow(/cycle/);
  });

  it('an empty versions directory has no heads and matches an empty table', () => {
    expect(new AlembicGraph([]).status([])).toEqual({ pending: [] });
  });
});
