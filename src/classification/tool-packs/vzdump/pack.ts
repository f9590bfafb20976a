// Proxmox VE's vzdump backup report: "vzdump backup status (pve1.example.test): backup successful"
// (or "backup failed"), a table of guests with their status, then the log.
// https://pve.proxmox.com/pve-docs/vzdump.1.html (--mailnotification)
import { hostName, single, type ToolPack } from '../pack.js';

const SUBJECT = /^vzdump backup status \(([^)\s]+)\)\s*:\s*(.+)$/;

export const vzdump: ToolPack = {
  tool: 'vzdump',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const failed = /fail|error/i.test(match[2]!);
    return single('vzdump', { host: hostName(match[1]), check: 'vzdump backup', state: failed ? 'problem' : 'information', severity: failed ? 'critical' : 'info' });
  },
};
