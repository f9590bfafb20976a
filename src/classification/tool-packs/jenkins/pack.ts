// Jenkins build mail: the Mailer plugin's fixed subjects ("Build failed in Jenkins: job #42",
// "Jenkins build is back to normal : job #43", "Jenkins build is unstable: job #44", "… still …")
// and the Email Extension plugin's default "$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS!".
// Jenkins ranks results SUCCESS < UNSTABLE < FAILURE; DaTamer reads them as info, warn, critical.
// https://plugins.jenkins.io/mailer/ · https://plugins.jenkins.io/email-ext/
import type { Severity } from '../../tags.js';
import { single, type ToolPack, type ToolState } from '../pack.js';

const MAILER = /^(Build failed in Jenkins|Jenkins build is (?:back to normal|still failing|unstable|still unstable|became unstable|back to stable)) ?: (.+?) #\d+$/;
const EMAIL_EXT = /^(.+?) - Build # \d+ - ([A-Za-z ]+)!$/;

function result(words: string): { state: ToolState; severity: Severity } | null {
  const w = words.toLowerCase();
  if (/back to normal|back to stable|fixed|successful|success/.test(w)) return { state: 'recovery', severity: 'info' };
  if (/fail/.test(w)) return { state: 'problem', severity: 'critical' };
  if (/unstable/.test(w)) return { state: 'problem', severity: 'warn' };
  if (/abort/.test(w)) return { state: 'information', severity: 'info' };
  return null;
}

export const jenkins: ToolPack = {
  tool: 'jenkins',
  recognises: (m) => MAILER.test(m.subject.trim()) || (EMAIL_EXT.test(m.subject.trim()) && /jenkins/i.test(m.from + m.body.slice(0, 4096))),
  extract(m) {
    const subject = m.subject.trim();
    const mailer = MAILER.exec(subject);
    const ext = mailer ? null : EMAIL_EXT.exec(subject);
    const job = mailer?.[2] ?? ext?.[1] ?? null;
    const said = result(mailer?.[1] ?? ext?.[2] ?? '');
    if (job === null || said === null) return null;
    return single('jenkins', { host: null, check: job.trim(), ...said });
  },
};
