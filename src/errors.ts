// DaTamer's error codes. Vendor and driver errors are translated into these at the
// boundary where they happen, so callers decide on `code` and `permanent`, never on
// a library's message text.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'TENANT_NOT_FOUND'
  | 'ADDRESS_TAKEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INPUT_INVALID'
  | 'MESSAGE_TOO_LARGE'
  | 'MESSAGE_EMPTY'
  | 'STORE_FAILED'
  | 'DELIVERY_FAILED'
  | 'SECRET_UNREADABLE'
  | 'MAILBOX_AUTH'
  | 'MAILBOX_UNREACHABLE'
  | 'MAILBOX_PROTOCOL'
  | 'MAILBOX_FOLDER_GONE';

export class DatamerError extends Error {
  readonly code: ErrorCode;
  /** true when retrying the same thing cannot succeed */
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DatamerError';
    this.code = code;
    this.permanent = options.permanent ?? true;
  }
}

export function isDatamerError(err: unknown, code?: ErrorCode): err is DatamerError {
  return err instanceof DatamerError && (code === undefined || err.code === code);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
