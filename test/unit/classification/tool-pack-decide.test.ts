// What a tool pack's facts do to a classification: they fill what tags and rules left empty,
// and say so (`tool:<tool>`); tags and rules always win.
import { expect } from 'chai';
import { decide } from '../../../src/classification/classify.js';
import { compileRules, matchRules, type RuleDefinition } from '../../../src/classification/rules.js';
import { parseTags } from '../../../src/classification/tags.js';
import { PACK_SCAN } from '../../../src/classification/tool-packs/pack.js';
import { readTool } from '../../../src/classification/tool-packs/index.js';

const NAGIOS_CRITICAL = '** PROBLEM Service Alert: db1.example.test/Disk /var is CRITICAL **';

function classify(subject: string, rules: RuleDefinition[] = []) {
  const tags = parseTags(subject, '');
  const matches = matchRules(compileRules(rules), { subject, body: '', from: 'nagios@mon1.example.test', headers: new Map(), servers: tags.servers });
  return decide(tags, matches, readTool({ subject, body: '', from: 'nagios@mon1.example.test' }));
}

const rule = (actions: RuleDefinition['actions']): RuleDefinition => ({ id: 7, name: 'disk', position: 1, enabled: true, continue: false, override: false, conditions: [{ field: 'subject', pattern: 'Disk' }], actions });

describe('tool packs in classification', () => {
  it('fill the severity and servers of untagged mail, recorded as decided by the tool pack', () => {
    const c = classify(NAGIOS_CRITICAL);
    expect(c).to.include({ severity: 'critical', by: 'tool:nagios' });
    expect(c.servers).to.deep.equal(['db1.example.test']);
    expect(c.decidedBy).to.deep.equal({ severity: 'tool:nagios', servers: 'tool:nagios' });
  });

  it('leave a severity the tags set alone', () => {
    const c = classify(`:warn: ${NAGIOS_CRITICAL}`);
    expect(c).to.include({ severity: 'warn', by: 'tag' });
    expect(c.decidedBy).to.deep.equal({ severity: 'tag', servers: 'tool:nagios' });
  });

  it('leave servers the tags named alone', () => {
    const c = classify(`${NAGIOS_CRITICAL} :svr:nfs1.example.test`);
    expect(c.servers).to.deep.equal(['nfs1.example.test']);
    expect(c.decidedBy.servers).to.equal('tag');
  });

  it('leave a severity a rule set alone; the org a rule sets names who decided', () => {
    const c = classify(NAGIOS_CRITICAL, [rule({ severity: 'info', org: 'ops.storage' })]);
    expect(c).to.include({ severity: 'info', org: 'ops.storage', by: 'rule:7' });
    expect(c.decidedBy).to.deep.equal({ severity: 'rule:7', org: 'rule:7', servers: 'tool:nagios' });
  });

  it('name only fully qualified hosts as servers: a short name stays a fact', () => {
    const c = classify('** PROBLEM Service Alert: db1/Disk /var is CRITICAL **');
    expect(c.servers).to.deep.equal([]);
    expect(c.decidedBy).to.deep.equal({ severity: 'tool:nagios' });
  });

  it('read the start of a body only: an alert beyond it is not read', () => {
    const alert = (host: string) => `alertname = DiskFull\ninstance = ${host}:9100\nseverity = warning\n`;
    const body = `2 alerts for alertname=DiskFull\n[2] Firing\n${alert('db1.example.test')}${'x'.repeat(PACK_SCAN)}\n${alert('db2.example.test')}`;
    const facts = readTool({ subject: '[FIRING:2] DiskFull', body, from: 'alertmanager@prom1.example.test' });
    expect(facts?.alerts.map((a) => a.host)).to.deep.equal(['db1.example.test']);
  });

  it('know nothing of mail no pack knows', () => {
    expect(readTool({ subject: 'Lunch on Friday?', body: 'Pizza', from: 'anna@example.test' })).to.equal(null);
    expect(classify('Lunch on Friday?')).to.include({ severity: null, by: 'none' });
  });
});
