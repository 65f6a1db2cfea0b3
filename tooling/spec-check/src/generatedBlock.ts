/**
 * A docs page's generated block: the text between `<!-- <name>:begin -->`
 * and `<!-- <name>:end -->`, written by a generator from a committed results
 * file (docs/performance.md, docs/reliability.md) and checked by its test.
 */
export interface BlockMarkers {
  begin: string;
  end: string;
}

export function blockMarkers(name: string): BlockMarkers {
  return { begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` };
}

/** The generated block of a page, or an error when the markers are not there exactly once, in order. */
export function generatedBlock(page: string, markers: BlockMarkers): string {
  const begin = page.indexOf(markers.begin);
  const end = page.indexOf(markers.end);
  if (begin < 0 || end < begin || page.indexOf(markers.begin, begin + 1) >= 0 || page.indexOf(markers.end, end + 1) >= 0) {
    throw new Error(`the page must hold ${markers.begin} … ${markers.end} exactly once, in that order`);
  }
  return page.slice(begin + markers.begin.length, end).trim();
}

/** The page with its generated block replaced by `block`; everything outside the markers unchanged. */
export function replaceGeneratedBlock(page: string, markers: BlockMarkers, block: string): string {
  generatedBlock(page, markers);
  const begin = page.indexOf(markers.begin) + markers.begin.length;
  return `${page.slice(0, begin)}\n${block.trim()}\n${page.slice(page.indexOf(markers.end))}`;
}
