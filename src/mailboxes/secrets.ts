// Mailbox credentials, encrypted at rest. A stolen database (or backup) gives no mailbox
// password without the key, which lives apart from it: DATAMER_SECRET_KEY, or a key file.
//
// AES-256-GCM, a fresh random 12-byte IV per value (NIST SP 800-38D §8.2: never reuse an IV under
// one key; 96 random bits are safe for far more values than a tenant has mailboxes). The 16-byte
// tag makes a wrong key or a changed byte fail loudly instead of yielding a wrong password.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { DatamerError } from '../errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes in base64 are 43 characters and one `=`; base64url (`-_`) is accepted too.
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A key written as 64 hex characters or base64 (surrounding white space ignored), or null. */
export function parseSecretKey(text: string): Buffer | null {
  const t = text.trim();
  if (HEX_KEY.test(t)) return Buffer.from(t, 'hex');
  if (BASE64_KEY.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === KEY_BYTES ? key : null;
  }
  return null;
}

/** `v1:<iv>:<tag>:<ciphertext>`, each base64; the version lets a later format be told apart. */
export function encryptSecret(key: Buffer, plain: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
}

export function decryptSecret(key: Buffer, stored: string): string {
  checkKey(key);
  const parts = stored.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) throw unreadable();
  const [iv, tag, ciphertext] = parts.slice(1).map(decodeBase64);
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) throw unreadable();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // Node says only "Unsupported state or unable to authenticate data": a wrong key and a
    // changed byte cannot be told apart, by design of GCM.
    throw unreadable();
  }
}

function decodeBase64(text: string): Buffer | null {
  return BASE64.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : null;
}

function unreadable(): DatamerError {
  // The stored value is never quoted: it is the secret, if only encrypted.
  return new DatamerError(
    'SECRET_UNREADABLE',
    'a stored mailbox secret cannot be decrypted: DATAMER_SECRET_KEY (or its key file) has changed since it was stored, or the stored value is corrupt; ' +
      'put the old key back, or give the mailbox its password again',
  );
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new DatamerError('CONFIG_INVALID', `DATAMER_SECRET_KEY: must be ${KEY_BYTES} bytes, got ${key.length}`);
}

/**
 * The key that encrypts mailbox secrets: DATAMER_SECRET_KEY when set, else the key file
 * (DATAMER_SECRET_KEY_FILE, default `<data dir>/secret.key`), made with a random key on first use
 * so a fresh clone starts with no setup (`onMade` hears of it). Losing the key file loses the stored mailbox passwords
 * (not the mail): back it up with the database, but not in the same place.
 */
export function loadSecretKey(config: Pick<Config, 'secretKey' | 'secretKeyFile'>, onMade?: (file: string) => void): Buffer {
  if (config.secretKey !== null) {
    if (config.secretKey.length !== KEY_BYTES) throw new DatamerError('CONFIG_INVALID', `DATAMER_SECRET_KEY: must be ${KEY_BYTES} bytes`);
    return config.secretKey;
  }
  const file = config.secretKeyFile;
  let content = readKeyFile(file);
  if (content === null) {
    content = createKeyFile(file);
    onMade?.(file);
  }
  // A file of exactly 32 bytes is the raw key (as DaTamer writes it); otherwise it is text, as
  // `openssl rand -hex 32 > secret.key` writes it.
  const key = content.length === KEY_BYTES ? content : parseSecretKey(content.toString('latin1'));
  if (!key) {
    throw new DatamerError('CONFIG_INVALID', `DATAMER_SECRET_KEY_FILE: ${file} must hold a ${KEY_BYTES}-byte key (raw, 64 hex characters or base64)`);
  }
  return key;
}

function readKeyFile(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new DatamerError('CONFIG_INVALID', `DATAMER_SECRET_KEY_FILE: cannot read ${file} (${code ?? 'error'})`, { cause: err });
  }
}

/**
 * Writes a new key where no process can read half of it: to a private temporary file first,
 * flushed, then linked into place. link() fails if the file appeared meanwhile (another DaTamer
 * process starting at the same moment), and then that process's key is the one used.
 */
function createKeyFile(file: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return readKeyFile(file)!;
    }
    return key;
  } catch (err) {
    if (err instanceof DatamerError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DatamerError('CONFIG_INVALID', `DATAMER_SECRET_KEY_FILE: cannot create ${file} (${code})`, { cause: err });
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // never created, or already gone: nothing to clean up
    }
  }
}
