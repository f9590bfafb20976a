// What DaTamer needs from a mailbox provider (IMAP, Microsoft Graph, Gmail): the shared-mailbox
// workspace (workspace/) talks to this interface only, so a vendor's errors and quirks stop at
// the provider, translated into DatamerErrors with a `permanent` flag.
//
// Everything the workspace keeps about a mailbox is opaque to it and meaningful only to the
// provider that gave it:
// - a folder is a path joined with the provider's delimiter (an IMAP mailbox name, a Graph
//   folder reached by display names, a Gmail label name); the provider finds it;
// - a message reference names one message in one folder (IMAP: UIDVALIDITY and UID; Graph: an
//   immutable id; Gmail: a message id); after a move, the provider says the new one;
// - a cursor says how far a folder has been read (IMAP: UIDVALIDITY and the last UID; Graph: a
//   delta link; Gmail: a history id). A provider that can no longer resume from a cursor (IMAP
//   renumbered the folder, Graph answered 410, Gmail 404) starts over and says so (`reset`):
//   the workspace recognises what it has already seen by content, never by reference.
import type { Severity } from '../classification/tags.js';

/** A message in a folder, as the provider names it. */
export type MessageRef = string;
/** How far a folder has been read, as the provider resumes it. */
export type Cursor = string;

export interface RemoteMessage {
  ref: MessageRef;
  raw: Buffer;
}

export interface ChangePage {
  /** messages that came into the folder after the cursor, oldest first; some may be replays */
  arrived: MessageRef[];
  /** where the next page starts: to be saved once `arrived` has been acted on */
  cursor: Cursor;
  /** another page follows at once */
  more: boolean;
  /** the old cursor could not be resumed: `arrived` starts from the beginning of the folder */
  reset: boolean;
}

export interface FolderStart {
  /** a cursor after everything in the folder now */
  cursor: Cursor;
  /** what the backlog is: the mail in the folder now (`backlog()` takes it back) */
  backlog: string;
}

export interface MailboxSession {
  /** the hierarchy delimiter of folder paths; null for a flat IMAP server */
  readonly delimiter: string | null;
  /** prepended to every folder DaTamer makes (an IMAP personal namespace, e.g. `INBOX.`) */
  readonly prefix: string;
  /** makes the folder (and its parents) unless it exists */
  createFolder(path: string): Promise<void>;
  /**
   * Every folder below `path` now (not `path` itself), whoever made it: the workspace follows
   * folders an engineer made by hand where DaTamer would have made them. Empty when `path` is missing.
   */
  listFolders(path: string): Promise<string[]>;
  /** a cursor at the end of the folder, and the mark of what is in it now */
  start(path: string): Promise<FolderStart>;
  /**
   * The next page of messages that came into the folder after `cursor`, at most about `limit`.
   * Throws MAILBOX_FOLDER_GONE when the folder does not exist (someone deleted it).
   */
  changes(path: string, cursor: Cursor, limit: number): Promise<ChangePage>;
  /**
   * The backlog still in the folder: messages that were there when `start` gave `mark`, after
   * `done` (the last one taken, for providers that keep an order), oldest first.
   */
  backlog(path: string, mark: string, done: MessageRef | null): Promise<MessageRef[]>;
  /** the messages still there, raw; a reference that no longer names one is left out */
  fetch(path: string, refs: MessageRef[]): Promise<RemoteMessage[]>;
  /** shows the severity on the messages (an IMAP keyword, an Outlook category, a Gmail label) */
  markSeverity(path: string, refs: MessageRef[], severity: Severity): Promise<void>;
  /** files the messages into `target`; returns their references there where the provider says */
  move(path: string, refs: MessageRef[], target: string): Promise<Map<MessageRef, MessageRef>>;
  /** deletes the messages (ingest mode, after the database commit) */
  remove(path: string, refs: MessageRef[]): Promise<void>;
  /** the messages in the folder with this Message-ID header */
  findByMessageId(path: string, messageIdHeader: string): Promise<MessageRef[]>;
  /**
   * Resolves when the folder may have new mail (IMAP IDLE; otherwise a poll), after `ms` at the
   * latest, when the connection drops, or when `signal` aborts.
   */
  waitForNews(path: string, ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Sends a message as the mailbox (Graph `sendMail`, Gmail `messages.send`): DaTamer's own mail
   * through a provider that has no SMTP for it. IMAP has no such command: its mail goes out by SMTP.
   */
  send?(raw: Buffer): Promise<void>;
  close(): Promise<void>;
}
