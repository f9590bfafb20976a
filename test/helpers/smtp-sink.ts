// A real SMTP server on a free loopback port that keeps every mail it accepts, so a test can
// check what DaTamer actually handed over (and how often). It can also be told to refuse the
// next few mails with a given reply, the way a busy (4xx) or unwilling (5xx) server does.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  envelope: { from: string | null; to: string[] };
  raw: Buffer;
  /** the Message-ID header as mailparser reads it, with its angle brackets */
  messageId: string | null;
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  /** every mail accepted so far, in the order the server answered 250 */
  mails: SunkMail[];
  /** how many mails were refused on purpose (see rejectNext) */
  rejected: number;
  /** Refuses the next `count` mails at the end of DATA with `code` (451 temporary, 550 permanent…). */
  rejectNext(count: number, code: number, text?: string): void;
  /** How many accepted mails carry this Message-ID. */
  countOf(messageId: string): number;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const rejections: Array<{ code: number; text: string }> = [];
  let accepted = 0;

  const sink: SmtpSink = {
    port: 0,
    mails,
    rejected: 0,
    rejectNext(count, code, text) {
      const reason = text ?? (code >= 500 ? '5.7.1 Refused by the test sink' : '4.3.0 Try again later, says the test sink');
      for (let i = 0; i < count; i++) rejections.push({ code, text: reason });
    },
    countOf: (messageId) => mails.filter((m) => m.messageId === messageId).length,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // Tests close the sink while nodemailer may still hold an idle connection; do not wait for it.
    closeTimeout: 100,
    // Loopback needs no reverse DNS, and the test machine's resolver may be slow or absent.
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        const refusal = rejections.shift();
        if (refusal) {
          sink.rejected++;
          return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
        }
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        // Parse before answering, so a mail is in `mails` by the time the sender hears 250.
        simpleParser(raw).then(
          (parsed) => {
            mails.push({ envelope, raw, messageId: parsed.messageId ?? null, parsed });
            accepted++;
            callback(null, `OK: kept by the test sink as #${accepted}`);
          },
          (err: unknown) => callback(err as Error),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  sink.port = (server.server.address() as AddressInfo).port;
  return sink;
}
