// DaTamer's own mail, rendered from templates/email/<name>.{subject,text,html}.hbs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const cache = new Map<string, { subject: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate; html: HandlebarsTemplateDelegate }>();

function load(name: string) {
  let templates = cache.get(name);
  if (!templates) {
    const read = (part: string) => readFileSync(path.join(templatesDir, 'email', `${name}.${part}.hbs`), 'utf8');
    // Subjects and plain text are not HTML: no entity escaping there.
    templates = {
      subject: Handlebars.compile(read('subject'), { noEscape: true }),
      text: Handlebars.compile(read('text'), { noEscape: true }),
      html: Handlebars.compile(read('html')),
    };
    cache.set(name, templates);
  }
  return templates;
}

export function renderMail(name: string, context: Record<string, unknown>): RenderedMail {
  const t = load(name);
  return { subject: t.subject(context).replace(/\s+/g, ' ').trim(), text: t.text(context), html: t.html(context) };
}
