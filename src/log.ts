import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'datamer' },
      // Mailbox passwords and SMTP AUTH secrets never reach a log line.
      redact: { paths: ['password', '*.password', 'pass', '*.pass', 'credentials', '*.credentials'], censor: '[redacted]' },
    },
    destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing: for tests and for the CLI's quiet paths. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
