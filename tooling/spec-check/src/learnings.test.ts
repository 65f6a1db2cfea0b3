import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingReferences, referencesIn } from './learnings';

const root = join(__dirname, '..', '..', '..');
const learningsDir = join(root, 'SPEC', 'learnings');
const documents = readdirSync(learningsDir).filter((name) => name.endsWith('.xml'));

describe('SPEC/learnings', () => {
  it('has the state persistence foreign key learning', () => {
    expect(documents).toContain('state_persistence_foreign_key.xml');
  });

  it.each(documents)('%s names only files and symbols that exist', (name) => {
    const xml = readFileSync(join(learningsDir, name), 'utf8');
    const { files, symbols } = referencesIn(xml);
    expect(files.length + symbols.length).toBeGreaterThan(10);
    expect(missingReferences(xml, root)).toEqual([]);
  });

  it('has the sections the specification requires', () => {
    const xml = readFileSync(join(learningsDir, 'state_persistence_foreign_key.xml'), 'utf8');
    for (const section of ['<issue>', '<root-cause>', '<solution>', '<security-boundary>', '<prevention>']) expect(xml).toContain(section);
    expect(xml).toMatch(/<learning [^>]*version="\d+\.\d+\.\d+"/);
  });

  it('reports a renamed symbol or a missing file (the check can fail)', () => {
    const xml = `<learning><symbol name="noSuchFunction" file="packages/state-persistence/src/service.ts"/><file path="nope/missing.ts"/>
      <symbol name="createStatePersistence" file="packages/state-persistence/src/service.ts"/></learning>`;
    expect(missingReferences(xml, root)).toEqual([
      'file nope/missing.ts does not exist',
      'symbol noSuchFunction is not declared in packages/state-persistence/src/service.ts',
    ]);
  });
});
