// Where the CLI writes. Results go to stdout (so they can be piped), everything about the
// run (errors, rejections, progress) to stderr. Tests pass their own streams.

export interface Output {
  write(chunk: string): boolean | void;
  /** for back-pressure: a real stream says when it can take more */
  once?(event: 'drain', listener: () => void): unknown;
  isTTY?: boolean;
  /** a terminal's width in characters (node sets it on a TTY stream) */
  columns?: number;
}

export interface CliIo {
  /** the environment to configure from; undefined: this process's */
  env?: NodeJS.ProcessEnv;
  stdout: Output;
  stderr: Output;
  /** where a secret is read from when no file is named; undefined: this process's stdin */
  stdin?: NodeJS.ReadableStream;
}

/** Everything on a stream (a password piped to `datamer user password`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

// C0 controls but tab, DEL and the C1 controls: in a subject or a sender's name they are an
// attacker's (ESC sequences clear the screen or set the terminal's title; CR and LF forge lines).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

/** Text as it may reach a terminal: control characters written out (`\e`, `\r`, `\n`, `\x07`). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Writes one line, its control characters escaped (`printable`): what a line holds came from
 * mail, so it can neither drive the terminal nor look like more lines. Resolves once the stream
 * can take more (a replay can print millions of lines).
 */
export function writeLine(out: Output, line: string): void | Promise<void> {
  return writeRaw(out, `${printable(line)}\n`);
}

/** Writes a value as indented JSON: JSON escapes the control characters of its strings itself. */
export function writeJson(out: Output, value: unknown): void | Promise<void> {
  return writeRaw(out, `${JSON.stringify(value, null, 2)}\n`);
}

function writeRaw(out: Output, text: string): void | Promise<void> {
  const ok = out.write(text);
  if (ok === false && out.once) return new Promise((resolve) => out.once!('drain', resolve));
}

/** Columns padded to their widest cell, for the `list` commands. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

/**
 * Lines cut to the terminal's width, the cut marked with "…", so a long last column (a title)
 * does not wrap into the next row. Unchanged when the output is not a terminal: a script reads
 * everything.
 */
export function fitToTerminal(out: Output, lines: readonly string[]): string[] {
  const width = out.isTTY && out.columns && out.columns > 1 ? out.columns : null;
  if (width === null) return [...lines];
  return lines.map((line) => ([...line].length <= width ? line : `${[...line].slice(0, width - 1).join('')}…`));
}
