// Logwatch's daily digest ("Logwatch for host (Linux)"), plain text, sometimes in Latin-1
// from hosts with a German locale.
import { asctime } from '../mime.js';
import { bodyWithTags, withTags } from '../tagging.js';
import { TEAM_ADDRESS, bodyOf, preHtml, type Format } from './common.js';

export interface LogwatchParams {
  failedLogins: number;
  diskUse: number;
  kernelErrors: number;
}

export const logwatch: Format<LogwatchParams> = {
  tool: 'logwatch',
  address: (host) => `logwatch@${host.fqdn}`,
  odds: { only: 0.1, localized: 0.2 },
  render(ctx, p) {
    const de = ctx.style.localized;
    const start = ctx.at - 24 * 3600_000;
    const subject = `Logwatch for ${ctx.host.fqdn} (Linux)`;
    const lines = [
      '', ' ################### Logwatch 7.9 (01/22/23) ####################',
      `        Processing Initiated: ${asctime(ctx.at)}`,
      `        Date Range Processed: yesterday`,
      `                              ( ${new Date(start).toISOString().slice(0, 10)} )`,
      '                              Period is day.',
      '        Detail Level of Output: 0',
      '        Type of Output/Format: mail / text',
      `        Logfiles for Host: ${ctx.host.host}`,
      '  ##################################################################', '',
      ' --------------------- Kernel Begin ------------------------ ', '',
      p.kernelErrors > 0 ? ` WARNING:  Kernel Errors Present\n    EXT4-fs error (device sdb1): ext4_find_entry:1587: inode #2: comm rsync:  ...:  ${p.kernelErrors} Time(s)` : '',
      ' ---------------------- Kernel End ------------------------- ', '',
      ' --------------------- SSHD Begin ------------------------ ', '',
      de ? ` Fehlgeschlagene Anmeldungen für Benutzer root: ${p.failedLogins} Mal` : ` Failed logins from:\n    203.0.113.${p.failedLogins % 250} (unknown): ${p.failedLogins} times`,
      '', ' ---------------------- SSHD End ------------------------- ', '',
      ' --------------------- Disk Space Begin ------------------------ ', '',
      ` Filesystem      Size  Used Avail Use% Mounted on`,
      ` /dev/sda1        40G  ${Math.round((40 * p.diskUse) / 100)}G  ${40 - Math.round((40 * p.diskUse) / 100)}G  ${p.diskUse}% /`,
      ' nfs1.example.test:/export/shared  2.0T  1.2T  0.8T  60% /mnt/shared', '',
      ' ---------------------- Disk Space End ------------------------- ', '',
      ' ###################### Logwatch End ######################### ', '',
    ];
    const report = lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
    const text = bodyWithTags(ctx.tags, report);
    return {
      from: `logwatch@${ctx.host.fqdn}`,
      to: TEAM_ADDRESS,
      subject: withTags(ctx.tags, subject),
      date: ctx.at,
      zone: 60,
      messageId: ctx.messageId,
      body: bodyOf(ctx.style, text, () => preHtml(subject, report, ctx.tags)),
    };
  },
};
