import { expect } from 'chai';
import { csvField, toCsv } from '../../../src/reports/csv.js';

describe('report tables as CSV', () => {
  const cases: Array<[string, string | number | null, string]> = [
    ['a plain text', 'infra.db', 'infra.db'],
    ['a count', 1234, '1234'],
    ['a fraction', 0.8734, '0.8734'],
    ['nothing', null, ''],
    ['a comma, quoted', 'backup, nightly', '"backup, nightly"'],
    ['double quotes, doubled', 'say "hi"', '"say ""hi"""'],
    ['a line break, quoted', 'two\nlines', '"two\nlines"'],
    ['a formula, defused', '=HYPERLINK("http://evil.test")', `"'=HYPERLINK(""http://evil.test"")"`],
    ['a plus', '+1-555', "'+1-555"],
    ['a minus', '-x.cmd', "'-x.cmd"],
    ['an at sign', '@SUM(A1)', "'@SUM(A1)"],
    ['a tab before a formula', '\t=1+1', "'\t=1+1"],
    ['a negative number, which is a number', -5, '-5'],
  ];
  for (const [name, cell, field] of cases) it(`writes ${name}`, () => expect(csvField(cell)).to.equal(field));

  it('ends every line, the last too, with CRLF (RFC 4180)', () => {
    expect(toCsv(['Org', 'MSEs'], [['a', 1], ['b', 2]])).to.equal('Org,MSEs\r\na,1\r\nb,2\r\n');
    expect(toCsv(['Org', 'MSEs'], [])).to.equal('Org,MSEs\r\n');
  });
});
