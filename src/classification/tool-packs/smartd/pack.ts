// smartd (smartmontools) warning mail, from smartd_warning.sh:
//   SMART error (FailedHealthCheck) detected on host: nas2.example.test
// with "Device: /dev/sda [SAT], …" in the body. The type in brackets is smartd's warning type.
// https://www.smartmontools.org/browser/trunk/smartmontools/smartd.conf.5.in (-M, SMARTD_FAILTYPE)
import type { Severity } from '../../tags.js';
import { field, hostName, single, type ToolPack } from '../pack.js';

const SUBJECT = /^SMART error \(([A-Za-z]+)\) detected on host: (\S+)/;

// The disk says it is failing, or cannot be read at all: replace it now. Other types are warnings.
const CRITICAL = new Set(['FailedHealthCheck', 'FailedReadSmartData', 'FailedOpenDevice', 'OfflineUncorrectableSector']);

export const smartd: ToolPack = {
  tool: 'smartd',
  recognises: (m) => SUBJECT.test(m.subject.trim()),
  extract(m) {
    const match = SUBJECT.exec(m.subject.trim());
    if (!match) return null;
    const type = match[1]!;
    const device = field(m.body, 'Device')?.split(/[\s,]/)[0] ?? null;
    const severity: Severity = type === 'EmailTest' ? 'info' : CRITICAL.has(type) ? 'critical' : 'warn';
    return single('smartd', { host: hostName(match[2]), check: device ? `${type} ${device}` : type, state: type === 'EmailTest' ? 'information' : 'problem', severity });
  },
};
