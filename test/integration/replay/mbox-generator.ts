// A synthetic mbox of monitoring mail, for replay tests and for measuring replay speed
// (node dist/test/integration/replay/mbox-generator.js 5000 > /tmp/5000.mbox).
// Dates are deliberately out of mbox order, and every tenth message repeats an earlier one.

const KINDS = [
  (n: number) => ({ from: 'cron@db1.example.test', subject: `:info: :org:datamer.data.db.olap: nightly backup ${n} finished`, body: `Backup ${n} finished.\nSize: ${40 + (n % 7)} GB.\n` }),
  (n: number) => ({ from: 'monit@web2.example.test', subject: `:warning: :org:datamer.frontend.ui.service1: disk /var at ${80 + (n % 20)}%`, body: `Filesystem /var is ${80 + (n % 20)}% full.\nFrom the last check: rising.\n` }),
  (n: number) => ({ from: 'root@batch3.example.test', subject: `Cron <root@batch3> /usr/local/bin/rotate-logs (${n})`, body: `rotated ${n % 30} files in /var/log/app\n` }),
];

const DAY_START = Date.UTC(2026, 10, 1);

/** The Date of message n: spread over a month, shuffled so the mbox is not in time order. */
export function generatedTime(n: number): Date {
  const minutes = (n * 7919) % (30 * 24 * 60);
  return new Date(DAY_START + minutes * 60_000);
}

function asctime(date: Date): string {
  return date.toUTCString().replace(/^(\w{3}), (\d{2}) (\w{3}) (\d{4}) ([\d:]{8}) GMT$/, '$1 $3 $2 $5 $4');
}

export function generateMbox(count: number): Buffer {
  const parts: string[] = [];
  for (let n = 0; n < count; n++) {
    // every tenth message is a re-delivery of the one before it
    const source = n % 10 === 9 ? n - 1 : n;
    const kind = KINDS[source % KINDS.length]!(source);
    const date = generatedTime(source);
    parts.push(
      `From ${kind.from} ${asctime(date)}\n` +
        `From: ${kind.from}\nTo: replay@replay.invalid\nSubject: ${kind.subject}\n` +
        `Date: ${date.toUTCString().replace('GMT', '+0000')}\nMessage-ID: <gen-${source}@generator.example.test>\n\n` +
        kind.body.replace(/^From /gm, '>From ') +
        '\n',
    );
  }
  return Buffer.from(parts.join(''), 'utf8');
}

if (require.main === module) {
  process.stdout.write(generateMbox(Number(process.argv[2] ?? 5000)));
}
