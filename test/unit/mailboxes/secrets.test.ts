import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { DatamerError, isDatamerError } from '../../../src/errors.js';
import { decryptSecret, encryptSecret, loadSecretKey, parseSecretKey } from '../../../src/mailboxes/secrets.js';

function thrown(fn: () => unknown): DatamerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DatamerError) return err;
    throw err;
  }
  throw new Error('expected a DatamerError');
}

describe('mailbox secrets at rest', () => {
  const key = randomBytes(32);
  const password = 'correct horse battery stäple';

  describe('encryption', () => {
    it('gives back the password it stored, non-ASCII and empty ones included', () => {
      for (const plain of [password, '', 'x'.repeat(5000)]) expect(decryptSecret(key, encryptSecret(key, plain))).to.equal(plain);
    });

    it('stores v1:<iv>:<tag>:<ciphertext> and never the password itself', () => {
      const stored = encryptSecret(key, password);
      const [version, iv, tag] = stored.split(':');
      expect(version).to.equal('v1');
      expect(Buffer.from(iv!, 'base64')).to.have.length(12);
      expect(Buffer.from(tag!, 'base64')).to.have.length(16);
      expect(stored).to.not.include('horse');
    });

    it('stores the same password differently each time, so equal passwords cannot be spotted', () => {
      expect(encryptSecret(key, password)).to.not.equal(encryptSecret(key, password));
    });

    it('refuses a stored value with one changed byte instead of giving a wrong password', () => {
      const stored = encryptSecret(key, password);
      const [v, iv, tag, ciphertext] = stored.split(':') as [string, string, string, string];
      const flipped = Buffer.from(ciphertext, 'base64');
      flipped[0]! ^= 1;
      for (const tampered of [
        [v, iv, tag, flipped.toString('base64')].join(':'),
        [v, randomBytes(12).toString('base64'), tag, ciphertext].join(':'),
        [v, iv, randomBytes(16).toString('base64'), ciphertext].join(':'),
        stored.slice(0, -4),
        'v2' + stored.slice(2),
        'hunter2',
        '',
      ]) {
        expect(thrown(() => decryptSecret(key, tampered)).code, tampered).to.equal('SECRET_UNREADABLE');
      }
    });

    it('tells the admin the key changed, without showing the password or the stored value', () => {
      const stored = encryptSecret(key, password);
      const err = thrown(() => decryptSecret(randomBytes(32), stored));
      expect(err.code).to.equal('SECRET_UNREADABLE');
      expect(err.permanent).to.equal(true);
      expect(err.message).to.match(/DATAMER_SECRET_KEY.*changed.*corrupt/);
      expect(err.message).to.not.include(password).and.not.include(stored.split(':')[3]!);
    });
  });

  describe('the key', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'datamer-secret-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('makes a private 32-byte key file on first start and uses the same key the next time', () => {
      const config = loadConfig({ DATAMER_DATA_DIR: path.join(dir, 'fresh', 'data') });
      expect(config.secretKey).to.equal(null);
      expect(config.secretKeyFile).to.equal(path.join(dir, 'fresh', 'data', 'secret.key'));

      const first = loadSecretKey(config);
      expect(first).to.have.length(32);
      const file = statSync(config.secretKeyFile);
      expect(file.mode & 0o777).to.equal(0o600);
      expect(readFileSync(config.secretKeyFile).equals(first)).to.equal(true);
      expect(readdirSync(path.dirname(config.secretKeyFile))).to.deep.equal(['secret.key']);

      const stored = encryptSecret(first, password);
      expect(decryptSecret(loadSecretKey(loadConfig({ DATAMER_DATA_DIR: path.join(dir, 'fresh', 'data') })), stored)).to.equal(password);
    });

    it('reads a key file written as hex text, as `openssl rand -hex 32 >file` makes it', () => {
      const file = path.join(dir, 'hex.key');
      writeFileSync(file, key.toString('hex') + '\n');
      const config = loadConfig({ DATAMER_SECRET_KEY_FILE: file });
      expect(config.secretKeyFile).to.equal(file);
      expect(loadSecretKey(config).equals(key)).to.equal(true);
    });

    it('refuses a key file that holds no 32-byte key, naming the file', () => {
      const file = path.join(dir, 'short.key');
      writeFileSync(file, 'too short\n');
      const err = thrown(() => loadSecretKey(loadConfig({ DATAMER_SECRET_KEY_FILE: file })));
      expect(err.code).to.equal('CONFIG_INVALID');
      expect(err.message).to.match(/^DATAMER_SECRET_KEY_FILE: .*short\.key must hold a 32-byte key/);
    });

    it('takes DATAMER_SECRET_KEY as 64 hex characters or base64, and then makes no key file', () => {
      for (const written of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
        const config = loadConfig({ DATAMER_SECRET_KEY: written, DATAMER_DATA_DIR: dir });
        expect(loadSecretKey(config).equals(key), written).to.equal(true);
      }
      expect(() => statSync(path.join(dir, 'secret.key'))).to.throw(/ENOENT/);
    });

    for (const bad of ['x', 'ab'.repeat(31), randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), 'g'.repeat(64)]) {
      it(`refuses DATAMER_SECRET_KEY of ${bad.length} characters with one line naming the variable, not the value`, () => {
        const err = thrown(() => loadConfig({ DATAMER_SECRET_KEY: bad }));
        expect(isDatamerError(err, 'CONFIG_INVALID')).to.equal(true);
        expect(err.message).to.match(/^DATAMER_SECRET_KEY: must be 32 bytes written as 64 hex characters or in base64/);
        expect(err.message).to.not.include(JSON.stringify(bad));
        if (bad.length > 8) expect(err.message).to.not.include(bad);
      });
    }

    it('refuses DATAMER_SECRET_KEY and DATAMER_SECRET_KEY_FILE together: which key would be meant?', () => {
      expect(thrown(() => loadConfig({ DATAMER_SECRET_KEY: key.toString('hex'), DATAMER_SECRET_KEY_FILE: '/k' })).message).to.match(
        /^DATAMER_SECRET_KEY: set either DATAMER_SECRET_KEY or DATAMER_SECRET_KEY_FILE, not both$/,
      );
    });

    it('parses surrounding white space away but nothing else', () => {
      expect(parseSecretKey(` ${key.toString('hex')}\n`)?.equals(key)).to.equal(true);
      expect(parseSecretKey(key.toString('hex').slice(1))).to.equal(null);
    });
  });
});
