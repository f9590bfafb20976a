// The database schema in code. Migrations create the tables; these models read and write them.
// Models are defined per Sequelize instance (not as global classes), so two connections in one
// process, such as two outbox workers in a test, each get their own.
import type { Sequelize } from 'sequelize';
import { defineActivity } from './activity.js';
import { defineCommandMail } from './command-mail.js';
import { defineEvent } from './event.js';
import { defineDigest } from './digest.js';
import { defineEventAlert } from './event-alert.js';
import { defineEventCorrection } from './event-correction.js';
import { defineEventMessage } from './event-message.js';
import { defineGroup } from './group.js';
import { defineJobCursor } from './job-cursor.js';
import { defineLabelledExample } from './labelled-example.js';
import { defineLearnedPair } from './learned-pair.js';
import { defineMailbox } from './mailbox.js';
import { defineMailboxFolder } from './mailbox-folder.js';
import { defineMaintenanceWindow } from './maintenance-window.js';
import { defineMembership } from './membership.js';
import { defineMessage } from './message.js';
import { defineMessagePlacement } from './message-placement.js';
import { defineNotice } from './notice.js';
import { defineOutboxAttempt } from './outbox-attempt.js';
import { defineOutboxMail } from './outbox-mail.js';
import { defineReclassificationRun } from './reclassification-run.js';
import { defineRule } from './rule.js';
import { defineSignature } from './signature.js';
import { defineStream } from './stream.js';
import { defineSubscription } from './subscription.js';
import { defineTenant } from './tenant.js';
import { defineUser } from './user.js';
import { defineWebSession } from './web-session.js';
import { defineLoginLink } from './login-link.js';

export type { Activity, ActivityVia } from './activity.js';
export type { CommandMail, CommandMailStatus } from './command-mail.js';
export type { Event, EventKind, EventStatus } from './event.js';
export type { Digest } from './digest.js';
export type { EventAlert } from './event-alert.js';
export type { EventCorrection, CorrectionKind } from './event-correction.js';
export type { EventMessage } from './event-message.js';
export type { Notice, NoticeReason } from './notice.js';
export type { Group } from './group.js';
export type { LabelledExample } from './labelled-example.js';
export type { LearnedPair, LearnedPairAttributes } from './learned-pair.js';
export type { Mailbox, MailboxKind, MailboxMode } from './mailbox.js';
export type { FolderRole, MailboxFolder } from './mailbox-folder.js';
export type { MessagePlacement } from './message-placement.js';
export type { MaintenanceWindow } from './maintenance-window.js';
export type { Membership } from './membership.js';
export type { Message, MessageAttributes } from './message.js';
export type { OutboxAttempt, AttemptOutcome } from './outbox-attempt.js';
export type { OutboxMail, OutboxStatus } from './outbox-mail.js';
export type { ReclassificationRun } from './reclassification-run.js';
export type { Rule } from './rule.js';
export type { Signature, SignatureAttributes } from './signature.js';
export type { Stream } from './stream.js';
export type { JobCursor } from './job-cursor.js';
export type { Subscription, InterestLevel } from './subscription.js';
export type { Tenant } from './tenant.js';
export type { User, UserRole } from './user.js';
export type { WebSession } from './web-session.js';
export type { LoginLink } from './login-link.js';

export function defineModels(sequelize: Sequelize) {
  return {
    Tenant: defineTenant(sequelize),
    Mailbox: defineMailbox(sequelize),
    Message: defineMessage(sequelize),
    User: defineUser(sequelize),
    Group: defineGroup(sequelize),
    Membership: defineMembership(sequelize),
    Subscription: defineSubscription(sequelize),
    Event: defineEvent(sequelize),
    EventMessage: defineEventMessage(sequelize),
    Activity: defineActivity(sequelize),
    EventCorrection: defineEventCorrection(sequelize),
    OutboxMail: defineOutboxMail(sequelize),
    OutboxAttempt: defineOutboxAttempt(sequelize),
    Rule: defineRule(sequelize),
    Signature: defineSignature(sequelize),
    LearnedPair: defineLearnedPair(sequelize),
    ReclassificationRun: defineReclassificationRun(sequelize),
    Stream: defineStream(sequelize),
    JobCursor: defineJobCursor(sequelize),
    MaintenanceWindow: defineMaintenanceWindow(sequelize),
    MailboxFolder: defineMailboxFolder(sequelize),
    MessagePlacement: defineMessagePlacement(sequelize),
    LabelledExample: defineLabelledExample(sequelize),
    CommandMail: defineCommandMail(sequelize),
    WebSession: defineWebSession(sequelize),
    LoginLink: defineLoginLink(sequelize),
    Notice: defineNotice(sequelize),
    EventAlert: defineEventAlert(sequelize),
    Digest: defineDigest(sequelize),
  };
}

export type Models = ReturnType<typeof defineModels>;
