export { declaredNames, missingReferences, referencesIn } from './learnings';
export type { NamedFile, NamedSymbol } from './learnings';
export { brokenLinks, headingAnchors, linkTargets, markdownFiles } from './docLinks';
export type { BrokenLink } from './docLinks';
export { blockMarkers, generatedBlock, replaceGeneratedBlock } from './generatedBlock';
export type { BlockMarkers } from './generatedBlock';
