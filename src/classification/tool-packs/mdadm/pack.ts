// mdadm --monitor mail (MAILADDR in mdadm.conf):
//   Fail event on /dev/md0:nas1
//   "This is an automatically generated mail message from mdadm running on nas1"
// Mail goes out for Fail, FailSpare, DegradedArray, SparesMissing and TestMessage.
// https://man7.org/linux/man-pages/man8/mdadm.8.html (MONITOR MODE)
import type { Severity } from '../../tags.js';
import { hostName, qualified, single, type ToolPack, type ToolState } from '../pack.js';

const SUBJECT = /^([A-Za-z]+) event on (\S+?):(\S+)$/;
const MARKER = /automatically generated mail message from mdadm/;

const EVENTS: Record<string, { state: ToolState; severity: Severity }> = {
  Fail: { state: 'problem', severity: 'critical' },
  FailSpare: { state: 'problem', severity: 'critical' },
  DegradedArray: { state: 'problem', severity: 'critical' },
  DeviceDisappeared: { state: 'problem', severity: 'critical' },
  SparesMissing: { state: 'problem', severity: 'warn' },
  TestMessage: { state: 'information', severity: 'info' },
};

export const mdadm: ToolPack = {
  tool: 'mdadm',
  recognises: (m) => SUBJECT.test(m.subject.trim()) && MARKER.test(m.body.slice(0, 4096)),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const known = EVENTS[match[1]!] ?? { state: 'information' as const, severity: null };
    return single('mdadm', { host: qualified(hostName(match[3]), m.from), check: `${match[1]} ${match[2]}`, state: known.state, severity: known.severity });
  },
};
