// An online template miner in the manner of Drain (He, Zhu, Zheng, Lyu: "Drain: An Online Log
// Parsing Approach with Fixed Depth Tree", ICWS 2017). Pure: token sequences in, templates out,
// no I/O. DaTamer uses it for message signatures (signature.ts, docs/correlation.md).
//
// A sequence first goes to the node of its length, then down a fixed number of token levels
// (a token with a digit in it goes to the wildcard branch, since it is probably a variable),
// to a leaf holding templates. There the most similar template (share of equal tokens, ties to
// the one with more wildcards) takes the sequence when the similarity reaches the threshold, and
// the positions where they differ become wildcards; else the sequence opens a new template.
//
// With depth d the tree descends d − 3 token levels below the length node, as the published
// implementation does (logpai/logparser, Drain.py: its depth − 2 counts the root and the length
// level, and the loop stops one level earlier). That detail decides whether the published
// Loghub-2k figures are reproduced (docs/correlation.md).

/** The token a template holds where messages differ. */
export const WILDCARD = '<*>';

export interface DrainSettings {
  /** the tree's depth, counting the root and the length level (Drain's `depth`, ≥ 3) */
  depth: number;
  /** the least share of equal tokens for a sequence to join a template (Drain's `st`) */
  similarity: number;
  /** the most children of an inner node before tokens share its wildcard branch */
  maxChildren: number;
}

export const DEFAULT_DRAIN: DrainSettings = { depth: 4, similarity: 0.5, maxChildren: 100 };

export interface Template {
  /** stable for the template's life, even as its tokens turn into wildcards */
  id: number;
  tokens: string[];
  /** how many sequences it took */
  size: number;
}

export interface Mined {
  template: Template;
  /** the sequence opened this template */
  created: boolean;
  /** the template's tokens changed (some became wildcards) */
  changed: boolean;
}

interface Node {
  children: Map<string, Node>;
  templates: Template[];
}

const node = (): Node => ({ children: new Map(), templates: [] });
const hasDigit = (token: string): boolean => /\d/.test(token);

export class TemplateMiner {
  private readonly root = node();
  private readonly byId = new Map<number, Template>();
  private nextId = 1;
  private readonly tokenLevels: number;

  /** `known` restores a miner from its templates (in id order), as persisted. */
  constructor(readonly settings: DrainSettings = DEFAULT_DRAIN, known: Template[] = []) {
    if (!(settings.depth >= 3)) throw new Error('a template miner needs a depth of at least 3');
    this.tokenLevels = settings.depth - 3;
    for (const t of [...known].sort((a, b) => a.id - b.id)) this.adopt(t);
  }

  /**
   * Takes a template made elsewhere (restored, or opened by another process) under its own id.
   * One it already holds only gains the other's wildcards: templates only ever generalise.
   */
  adopt(template: Template): Template {
    const held = this.byId.get(template.id);
    if (held) {
      if (held.tokens.length === template.tokens.length) template.tokens.forEach((t, i) => { if (t === WILDCARD) held.tokens[i] = WILDCARD; });
      return held;
    }
    const copy = { id: template.id, tokens: [...template.tokens], size: template.size };
    this.byId.set(copy.id, copy);
    this.place(copy);
    this.nextId = Math.max(this.nextId, copy.id + 1);
    return copy;
  }

  get templates(): Template[] {
    return [...this.byId.values()];
  }

  template(id: number): Template | undefined {
    return this.byId.get(id);
  }

  /** The template a sequence joins (changing it if need be), or a new one. */
  add(tokens: readonly string[]): Mined {
    const found = this.search(tokens);
    if (found === null) {
      const template: Template = { id: this.nextId++, tokens: [...tokens], size: 1 };
      this.byId.set(template.id, template);
      this.place(template);
      return { template, created: true, changed: false };
    }
    found.size++;
    let changed = false;
    for (let i = 0; i < tokens.length; i++) {
      if (found.tokens[i] !== tokens[i] && found.tokens[i] !== WILDCARD) {
        found.tokens[i] = WILDCARD;
        changed = true;
      }
    }
    return { template: found, created: false, changed };
  }

  /** The template a sequence would join, without changing anything. */
  match(tokens: readonly string[]): Template | null {
    return this.search(tokens);
  }

  private leafOf(tokens: readonly string[], grow: boolean): Node | null {
    const lengthKey = String(tokens.length);
    const byLength = this.root.children.get(lengthKey);
    if (byLength === undefined && !grow) return null;
    let current: Node = byLength ?? node();
    if (byLength === undefined) this.root.children.set(lengthKey, current);
    const levels = Math.min(this.tokenLevels, tokens.length);
    for (let level = 0; level < levels; level++) {
      const token = tokens[level]!;
      const exact = current.children.get(token);
      if (exact) {
        current = exact;
        continue;
      }
      const wildcard = current.children.get(WILDCARD);
      if (!grow) {
        if (!wildcard) return null;
        current = wildcard;
        continue;
      }
      current = this.grow(current, token, wildcard);
    }
    return current;
  }

  // Where a new template's token goes when the node has no child for it (Drain's addSeqToPrefixTree).
  private grow(parent: Node, token: string, wildcard: Node | undefined): Node {
    const { maxChildren } = this.settings;
    const add = (key: string): Node => {
      const child = node();
      parent.children.set(key, child);
      return child;
    };
    if (hasDigit(token)) return wildcard ?? add(WILDCARD);
    if (wildcard) return parent.children.size < maxChildren ? add(token) : wildcard;
    // The last free place is kept for the wildcard branch.
    if (parent.children.size + 1 < maxChildren) return add(token);
    if (parent.children.size + 1 === maxChildren) return add(WILDCARD);
    return parent.children.get(WILDCARD) ?? add(WILDCARD);
  }

  private place(template: Template): void {
    this.leafOf(template.tokens, true)!.templates.push(template);
  }

  private search(tokens: readonly string[]): Template | null {
    const leaf = this.leafOf(tokens, false);
    if (!leaf) return null;
    let best: Template | null = null;
    let bestSimilarity = -1;
    let bestWildcards = -1;
    for (const template of leaf.templates) {
      const { similarity, wildcards } = compare(template.tokens, tokens);
      if (similarity > bestSimilarity || (similarity === bestSimilarity && wildcards > bestWildcards)) {
        best = template;
        bestSimilarity = similarity;
        bestWildcards = wildcards;
      }
    }
    return best !== null && bestSimilarity >= this.settings.similarity ? best : null;
  }
}

/** Drain's seqDist: the share of a template's tokens equal to the sequence's, wildcards not counted as equal. */
export function compare(template: readonly string[], tokens: readonly string[]): { similarity: number; wildcards: number } {
  if (template.length === 0) return { similarity: 1, wildcards: 0 };
  let equal = 0;
  let wildcards = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === WILDCARD) wildcards++;
    else if (template[i] === tokens[i]) equal++;
  }
  return { similarity: equal / template.length, wildcards };
}
