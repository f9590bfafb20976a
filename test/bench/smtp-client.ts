// The sending side of the benchmark: one nodemailer pool per target, a fixed number of messages
// in flight (one per connection, so a message never waits in the client's queue and its latency
// is the server's answer time), the same for every target. The pools live for the whole run:
// opening a connection costs smtp-server's 100 ms early-talker pause, which must not be counted
// as the server's speed in every round.
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { BENCH_FROM, BENCH_TO, monitoringMail } from './monitoring-mail.js';

export interface SendPlan {
  port: number;
  series: string;
  /** number of the first message of the series to send (default 0) */
  first?: number;
  count: number;
  connections: number;
}

export interface SendResult {
  /** per-message latency, ms, from sendMail to the server's reply to the end of DATA */
  latencies: number[];
  elapsedMs: number;
  errors: string[];
}

const pools = new Map<number, Transporter>();

function poolFor(plan: SendPlan): Transporter {
  let transport = pools.get(plan.port);
  if (!transport) {
    transport = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port: plan.port,
      secure: false,
      ignoreTLS: true,
      maxConnections: plan.connections,
      maxMessages: Infinity,
    });
    pools.set(plan.port, transport);
  }
  return transport;
}

export function closePools(): void {
  for (const transport of pools.values()) transport.close();
  pools.clear();
}

export async function sendSeries(plan: SendPlan): Promise<SendResult> {
  // Built before the clock starts: the benchmark measures the server, not the composing.
  const messages = Array.from({ length: plan.count }, (_, n) => monitoringMail(plan.series, (plan.first ?? 0) + n));
  const transport = poolFor(plan);
  const latencies: number[] = [];
  const errors: string[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < messages.length) {
      const raw = messages[next++]!;
      const t0 = performance.now();
      try {
        await transport.sendMail({ envelope: { from: BENCH_FROM, to: [BENCH_TO] }, raw });
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, lane));
  return { latencies, elapsedMs: performance.now() - started, errors };
}
