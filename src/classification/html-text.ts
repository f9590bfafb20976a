// The text of an HTML-only message, with bounded cost. html-to-text has no bounds of its own that
// hold against hostile mail: its table layout is quadratic in a table's width or height (a single
// `<td colspan="100000">` took a minute and then overflowed the stack), and its tree walk is
// recursive (100 KB of unclosed `<b><i><u>` overflows the stack). So:
//
//   - nesting deeper than MAX_DEPTH is left out (html-to-text's `limits.maxDepth`);
//   - a table whose layout grid would be wider or taller than MAX_TABLE_SPAN cells is written as
//     plain blocks, cell after cell, instead of laid out (HTML itself caps colspan at 1000:
//     https://html.spec.whatwg.org/multipage/tables.html#attr-tdth-colspan);
//   - should the conversion still throw, the text is taken by a linear scan that drops the tags.
//
// Any of these makes the text partial: the caller gets why, and the message is flagged with it.
// This runs inside the fence (src/ingest/parse-pool.ts), which also bounds its time.
import { compile, type FormatCallback, type HtmlToTextOptions, type SelectorDefinition } from 'html-to-text';

/** Deeper nesting is not a layout a person reads; it is left out. */
export const MAX_DEPTH = 200;
/** Tables wider or taller than this many cells are written cell after cell, not laid out. */
export const MAX_TABLE_SPAN = 500;

// Private-use marker html-to-text writes where it left deeper nesting out.
const ELLIPSIS = '\uE001';

let cutShort: string | null = null;

interface Node {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: Node[];
}

const span = (cell: Node, attribute: string) => Math.max(1, Number.parseInt(cell.attribs?.[attribute] ?? '1', 10) || 1);

/** How wide and how tall the table's layout grid is, as html-to-text would lay it out. */
function gridOf(table: Node): number {
  let rows = 0;
  let widest = 0;
  let tallest = 0;
  const visit = (node: Node, depth: number): void => {
    for (const child of node.children ?? []) {
      if (child.type !== 'tag') continue;
      if (child.name === 'tr') {
        rows++;
        let width = 0;
        for (const cell of child.children ?? []) {
          if (cell.type !== 'tag' || (cell.name !== 'td' && cell.name !== 'th')) continue;
          width += span(cell, 'colspan');
          tallest = Math.max(tallest, rows + span(cell, 'rowspan'));
        }
        widest = Math.max(widest, width);
      } else if (depth < 2 && ['thead', 'tbody', 'tfoot'].includes(child.name ?? '')) visit(child, depth + 1);
    }
  };
  visit(table, 0);
  return Math.max(rows, widest, tallest);
}

/** Tables laid out as html-to-text's dataTable does, unless their grid is too big to lay out. */
const boundedTable: FormatCallback = (elem, walk, builder, formatOptions) => {
  const formatters = (builder as unknown as { options: { formatters: Record<string, FormatCallback> } }).options.formatters;
  if (gridOf(elem as unknown as Node) <= MAX_TABLE_SPAN) return formatters.dataTable!(elem, walk, builder, formatOptions);
  cutShort ??= `a table too large to lay out (over ${MAX_TABLE_SPAN} cells across or down) was read cell by cell`;
  formatters.block!(elem, walk, builder, {});
};

/** What every conversion of message HTML shares: the bounds, and what is never text. */
export function boundedOptions(options: { selectors: SelectorDefinition[]; formatters?: Record<string, FormatCallback> }): HtmlToTextOptions {
  return {
    wordwrap: false,
    limits: { maxDepth: MAX_DEPTH, ellipsis: ELLIPSIS },
    formatters: { boundedTable, ...options.formatters },
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'noscript', format: 'skip' },
      { selector: 'template', format: 'skip' },
      // Cells whole (no wrapping at 60 columns) and text in its own case: rules match what a reader sees.
      { selector: 'table', format: 'boundedTable', options: { maxColumnWidth: Number.MAX_SAFE_INTEGER, uppercaseHeaderCells: false } },
      ...options.selectors,
    ],
  };
}

export interface HtmlText {
  text: string;
  /** why the text is not all of the HTML's, when it is not */
  partial: string | null;
}

/** The text of HTML by a linear scan: tags and comments dropped, nothing laid out. */
export function strippedText(html: string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf('<', i);
    if (open === -1) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, open);
    const isComment = html.startsWith('<!--', open);
    const close = isComment ? html.indexOf('-->', open + 4) : html.indexOf('>', open + 1);
    if (close === -1) break;
    out += ' ';
    i = close + (isComment ? 3 : 1);
  }
  return out.replace(/&nbsp;/gi, ' ').replace(/&lt;/gi, '<').replace(/&gt;/gi, '>').replace(/&quot;/gi, '"').replace(/&#39;/g, "'").replace(/&amp;/gi, '&');
}

/** A converter with bounded cost: the text, and whether (and why) it is partial. */
export function boundedConverter(options: HtmlToTextOptions): (html: string) => HtmlText {
  const convert = compile(options);
  return (html) => {
    cutShort = null;
    try {
      const converted = convert(html);
      if (converted.includes(ELLIPSIS)) {
        cutShort ??= `elements nested deeper than ${MAX_DEPTH} levels were left out`;
        return { text: converted.split(ELLIPSIS).join(''), partial: cutShort };
      }
      return { text: converted, partial: cutShort };
    } catch (err) {
      return { text: strippedText(html), partial: `the HTML could not be laid out (${(err as Error).message}); its text was taken without layout` };
    } finally {
      cutShort = null;
    }
  };
}
