export { declaredNames, missingReferences, referencesIn } from './learnings';
export type { NamedFile, NamedSymbol } from './learnings';
