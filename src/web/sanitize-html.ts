// A message's HTML part, made harmless to show (docs/web.md): DOMPurify on a current jsdom
// (DOMPurify's README: an outdated DOM "can result in XSS even if DOMPurify does everything
// correctly"), with a profile stricter than its defaults, which keep forms, inputs and styles.
// The result is shown in an <iframe sandbox srcdoc> without allow-scripts or allow-same-origin,
// under a policy that loads nothing: three walls, so that one slip is not enough.
import createDOMPurify, { type DOMPurify } from 'dompurify';

let purifier: DOMPurify | null = null;

async function purify(): Promise<DOMPurify> {
  if (purifier) return purifier;
  // jsdom is loaded when the first HTML message is shown, not when DaTamer starts: it is the
  // heaviest module DaTamer uses, and most processes never render one.
  const { JSDOM } = await import('jsdom');
  const window = new JSDOM('').window;
  const p = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
  p.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    // Remote images are tracking pixels as often as pictures: never fetched; the alt text stays.
    if (el.tagName === 'IMG') {
      el.removeAttribute('src');
      el.setAttribute('data-blocked', 'image');
    }
    // Links open nowhere from inside the sandbox; the address stays readable on hover.
    if (el.tagName === 'A' && el.hasAttribute('href')) el.setAttribute('rel', 'noopener noreferrer');
  });
  purifier = p;
  return p;
}

const FORBID_TAGS = ['form', 'input', 'button', 'textarea', 'select', 'option', 'style', 'link', 'meta', 'base', 'svg', 'math', 'iframe', 'frame', 'object', 'embed', 'video', 'audio', 'source', 'picture', 'template'];
const FORBID_ATTR = ['style', 'srcset', 'action', 'formaction', 'background', 'poster', 'ping'];

/** The HTML, with only inert markup left: no script, handler, form, style or remote resource. */
export async function sanitizeEmailHtml(html: string): Promise<string> {
  return (await purify()).sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR,
    // http, https and mailto links only: no javascript:, data: or vbscript: anywhere.
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    ALLOW_DATA_ATTR: false,
    WHOLE_DOCUMENT: false,
  }) as unknown as string;
}

/** What goes into the iframe's srcdoc: the sanitized body under a policy that allows nothing. */
export async function sandboxDocument(html: string): Promise<string> {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body>${await sanitizeEmailHtml(html)}</body></html>`;
}
