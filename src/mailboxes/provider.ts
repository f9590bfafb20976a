// What DaTamer needs from a mailbox provider (IMAP now; Microsoft Graph and Gmail later): the
// shared-mailbox workspace (workspace.ts) talks to this interface only, so a vendor's errors
// and quirks stop at the provider (imap/session.ts translates them into DatamerErrors).
//
// The shape is IMAP's, because IMAP is the least capable of the three: folders addressed by
// path, messages by a per-folder UID that only grows, and a UIDVALIDITY that says when the
// UIDs were renumbered.

export interface RemoteMessage {
  uid: number;
  raw: Buffer;
}

export interface FolderStatus {
  /** a change means every UID in the folder was renumbered: read it all again */
  uidValidity: number;
  /** the UID the next message will get; everything below it is already there */
  uidNext: number;
  messages: number;
}

export interface MailboxSession {
  /** the server's hierarchy delimiter; null for a flat server */
  readonly delimiter: string | null;
  /** prepended to every folder DaTamer makes (the personal namespace, e.g. `INBOX.`) */
  readonly prefix: string;
  /** makes the folder (and its parents) unless it exists */
  createFolder(path: string): Promise<void>;
  status(path: string): Promise<FolderStatus>;
  /** the UIDs in the folder from `fromUid` on, ascending */
  uidsFrom(path: string, fromUid: number): Promise<number[]>;
  fetch(path: string, uids: number[]): Promise<RemoteMessage[]>;
  addKeywords(path: string, uids: number[], keywords: string[]): Promise<void>;
  /** moves the messages; returns their new UIDs where the server says (UIDPLUS) */
  move(path: string, uids: number[], target: string): Promise<Map<number, number>>;
  /** deletes the messages for good (ingest mode, after the database commit) */
  remove(path: string, uids: number[]): Promise<void>;
  /** the UIDs of the messages in the folder with this Message-ID header */
  findByMessageId(path: string, messageIdHeader: string): Promise<number[]>;
  /**
   * Resolves when the folder may have new mail (IDLE, or a poll where the server has no IDLE),
   * after `ms` at the latest, when the connection drops, or when `signal` aborts.
   */
  waitForNews(path: string, ms: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
