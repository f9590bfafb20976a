import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';
import type { Schedule } from './vocabulary.js';

/**
 * One MSE: the exact bytes as they arrived, plus the fields parsed from them. A message
 * that could not be parsed is still stored, with `parseError` saying why.
 */
export interface MessageAttributes {
  id: number;
  tenantId: number;
  mailboxId: number | null;
  /** idempotency key, unique per tenant: the content without trace headers (src/ingest/dedup.ts) */
  dedupKey: string;
  messageIdHeader: string | null;
  /** the Message-ID as a key: two messages with the same one but different content share it */
  messageIdKey: string | null;
  fromAddress: string | null;
  toAddresses: string[];
  subject: string | null;
  /** the Date header, when it parses */
  sentAt: Date | null;
  receivedAt: Date;
  text: string | null;
  html: string | null;
  raw: Buffer;
  rawSize: number;
  /** sha256 of the raw bytes, hex */
  contentHash: string;
  parseError: string | null;
  /** how the message came: smtp, import, replay (later imap, graph, gmail) */
  source: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  /** how many times this message was delivered; a re-delivery only counts here */
  deliveries: number;
  // The classification (null until the message has been processed).
  severity: string | null;
  org: string | null;
  servers: string[] | null;
  schedule: Schedule | null;
  /** tag, rule:<id>, model:<version>, label (an engineer filed it by hand) or none */
  classifiedBy: string | null;
  decidedBy: Record<string, string> | null;
  tagWarnings: Array<{ tag: string; where: string; problem: string }> | null;
  classifiedAt: Date | null;
  /** why the classification is partial or missing; null when it is whole */
  classificationNote: string | null;
  /** how many times process-pending tried to finish it */
  classifyAttempts: number;
  /** the schedule stream it counts in (src/schedules/stream-key.ts); null without a schedule */
  streamKey: string | null;
  /** its signature: the id of its template in `signatures` (docs/correlation.md); null when none was mined */
  signatureId: number | null;
  /** the tool pack that recognised it (docs/tool-packs.md); null when none did */
  tool: string | null;
}
type Classified = 'severity' | 'org' | 'servers' | 'schedule' | 'classifiedBy' | 'decidedBy' | 'tagWarnings' | 'classifiedAt' | 'streamKey' | 'signatureId' | 'tool' | 'classificationNote' | 'classifyAttempts';
export type Message = Row<MessageAttributes, 'id' | 'deliveries' | Classified>;

export const defineMessage = (sequelize: Sequelize): ModelStatic<Message> =>
  sequelize.define<Message>(
    'Message',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      mailboxId: { type: DataTypes.INTEGER, allowNull: true },
      dedupKey: { type: DataTypes.STRING(80), allowNull: false },
      messageIdHeader: { type: DataTypes.TEXT, allowNull: true },
      messageIdKey: { type: DataTypes.STRING(64), allowNull: true },
      fromAddress: { type: DataTypes.TEXT, allowNull: true },
      toAddresses: { type: DataTypes.JSON, allowNull: false },
      subject: { type: DataTypes.TEXT, allowNull: true },
      sentAt: { type: DataTypes.DATE, allowNull: true },
      receivedAt: { type: DataTypes.DATE, allowNull: false },
      text: { type: DataTypes.TEXT, allowNull: true },
      html: { type: DataTypes.TEXT, allowNull: true },
      raw: { type: DataTypes.BLOB, allowNull: false },
      rawSize: { type: DataTypes.INTEGER, allowNull: false },
      contentHash: { type: DataTypes.STRING(64), allowNull: false },
      parseError: { type: DataTypes.TEXT, allowNull: true },
      source: { type: DataTypes.STRING(16), allowNull: false },
      envelopeFrom: { type: DataTypes.TEXT, allowNull: true },
      envelopeTo: { type: DataTypes.JSON, allowNull: false },
      deliveries: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      severity: { type: DataTypes.STRING(16), allowNull: true },
      org: { type: DataTypes.STRING(300), allowNull: true },
      servers: { type: DataTypes.JSON, allowNull: true },
      schedule: { type: DataTypes.JSON, allowNull: true },
      classifiedBy: { type: DataTypes.STRING(64), allowNull: true },
      decidedBy: { type: DataTypes.JSON, allowNull: true },
      tagWarnings: { type: DataTypes.JSON, allowNull: true },
      classifiedAt: { type: DataTypes.DATE, allowNull: true },
      classificationNote: { type: DataTypes.TEXT, allowNull: true },
      classifyAttempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      streamKey: { type: DataTypes.STRING(600), allowNull: true },
      signatureId: { type: DataTypes.INTEGER, allowNull: true },
      tool: { type: DataTypes.STRING(64), allowNull: true },
    },
    tableOptions('messages'),
  );
