// The suite's hostile corpus (fixtures/hostile/<kind>/): mail an attacker, a careless script or
// a naive robot sends, each kind with the tests that say what DaTamer must make of it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { projectRoot } from '../../../src/paths.js';

/** The messages of one kind, by file name, in name order (the order they are sent in). */
export function hostileMail(kind: string): Map<string, Buffer> {
  const dir = path.join(projectRoot, 'fixtures', 'hostile', kind);
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  return new Map(files.map((f) => [f, readFileSync(path.join(dir, f))]));
}

/** Sends raw bytes in one SMTP transaction; resolves with the server's final answer. */
export async function sendRaw(port: number, raw: Buffer, envelope: { from: string; to: string[] }): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true } as never);
  try {
    const info = await transport.sendMail({ envelope, raw });
    return info.response as string;
  } finally {
    transport.close();
  }
}
