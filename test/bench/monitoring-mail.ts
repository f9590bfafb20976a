// The message the benchmark sends: a few KB of a typical monitoring status email (text and
// html alternatives, a table of checks), each with its own Message-ID so DaTamer stores every
// one instead of counting it as a re-delivery.

const HOSTS = ['db-01', 'db-02', 'web-01', 'web-02', 'web-03', 'queue-01', 'backup-01', 'cache-01'];
const CHECKS = ['disk /var', 'disk /', 'load', 'memory', 'replication lag', 'certificate expiry', 'backup age', 'http 200'];
const STATES = ['OK', 'WARNING', 'CRITICAL', 'OK', 'OK', 'UNKNOWN', 'OK', 'OK'];

export const BENCH_FROM = 'nagios@monitoring.bench.test';
export const BENCH_TO = 'alerts@datamer.bench.test';

/** The `n`th message of a series; `series` keeps warm-up and measured messages apart. */
export function monitoringMail(series: string, n: number): Buffer {
  const host = HOSTS[n % HOSTS.length]!;
  const state = STATES[n % STATES.length]!;
  const minute = String(n % 60).padStart(2, '0');
  const rows = CHECKS.map((check, i) => ({ check, state: STATES[(n + i) % STATES.length]!, value: `${(n * 7 + i * 13) % 100}%` }));
  const text = [
    `***** Nagios *****`,
    ``,
    `Notification Type: ${state === 'OK' ? 'RECOVERY' : 'PROBLEM'}`,
    `Host: ${host}.prod.example.test`,
    `State: ${state}`,
    `Date/Time: Mon Nov 23 08:${minute}:00 UTC 2026`,
    ``,
    `Service checks on ${host}:`,
    ...rows.map((r) => `  ${r.check.padEnd(20)} ${r.state.padEnd(9)} ${r.value}`),
    ``,
    `Additional info:`,
    `  ${'The service check returned a status that differs from its last known state. '.repeat(6)}`,
    ``,
    `Acknowledge: https://nagios.example.test/cgi-bin/cmd.cgi?cmd_typ=34&host=${host}`,
    `Run #${n} of series ${series}`,
  ].join('\r\n');
  const html = [
    `<html><body style="font-family: sans-serif">`,
    `<h2>Nagios: ${state} on ${host}</h2>`,
    `<p>Notification for <b>${host}.prod.example.test</b> at Mon Nov 23 08:${minute}:00 UTC 2026.</p>`,
    `<table border="1" cellpadding="4" cellspacing="0">`,
    `<tr><th>Check</th><th>State</th><th>Value</th></tr>`,
    ...rows.map((r) => `<tr><td>${r.check}</td><td class="${r.state.toLowerCase()}">${r.state}</td><td>${r.value}</td></tr>`),
    `</table>`,
    `<p>${'The service check returned a status that differs from its last known state. '.repeat(6)}</p>`,
    `<p><a href="https://nagios.example.test/cgi-bin/cmd.cgi?cmd_typ=34&amp;host=${host}">Acknowledge</a></p>`,
    `</body></html>`,
  ].join('\r\n');
  const boundary = `----=_bench_${series}_${n}`;
  return Buffer.from(
    [
      `From: Nagios <${BENCH_FROM}>`,
      `To: Ops alerts <${BENCH_TO}>`,
      `Subject: ** ${state === 'OK' ? 'RECOVERY' : 'PROBLEM'} Service Alert: ${host}/${CHECKS[n % CHECKS.length]} is ${state} **`,
      `Date: Mon, 23 Nov 2026 08:${minute}:00 +0000`,
      `Message-ID: <bench-${series}-${n}@monitoring.bench.test>`,
      `MIME-Version: 1.0`,
      `X-Mailer: Nagios 4.4.14`,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      ``,
      `--${boundary}`,
      `Content-Type: text/plain; charset=utf-8`,
      `Content-Transfer-Encoding: 8bit`,
      ``,
      text,
      `--${boundary}`,
      `Content-Type: text/html; charset=utf-8`,
      `Content-Transfer-Encoding: 8bit`,
      ``,
      html,
      `--${boundary}--`,
      ``,
    ].join('\r\n'),
  );
}
