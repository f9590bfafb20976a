import { expect } from 'chai';
import { isOrgPattern, orgMatches } from '../../src/org-paths.js';
import { audienceOf } from '../../src/people/audience.js';

describe('who responds to and who is interested in an org', () => {
  const cases: Array<[pattern: string, org: string, matches: boolean]> = [
    ['datamer.frontend.ui.service1', 'datamer.frontend.ui.service1', true],
    ['datamer.frontend.ui.service1', 'datamer.frontend.ui.service2', false],
    ['datamer.frontend.ui.service1', 'datamer.frontend.ui.service1.extra', false],
    ['datamer.frontend.ui.*', 'datamer.frontend.ui.service1', true],
    ['datamer.frontend.ui.*', 'datamer.frontend.ui.service1.canary', true],
    ['datamer.frontend.ui.*', 'datamer.frontend.ui', true],
    ['datamer.frontend.ui.*', 'datamer.frontend.uikit', false],
    ['datamer.frontend.ui.*', 'datamer.frontend', false],
    ['*', 'datamer.data.db.olap', true],
    ['*', 'other', true],
    ['Datamer.Data.*', 'datamer.data.db', true],
  ];
  for (const [pattern, org, matches] of cases) {
    it(`${pattern} ${matches ? 'covers' : 'does not cover'} ${org}`, () => {
      expect(orgMatches(pattern, org)).to.equal(matches);
    });
  }

  it('accepts only well-formed patterns', () => {
    for (const ok of ['*', 'a', 'a.b.c', 'a.b.*', 'data_1.x-y']) expect(isOrgPattern(ok), ok).to.equal(true);
    for (const bad of ['', 'a..b', '.a', 'a.', 'a.*.b', '**', 'a b', 'a.b*', '*.a']) expect(isOrgPattern(bad), bad).to.equal(false);
  });

  // groups: 1 = ui team (responder for service1), 2 = frontend watchers (interested in frontend.*),
  // 3 = everyone-interested (*), 4 = db team (responder for data.*)
  const subscriptions = [
    { groupId: 1, orgPattern: 'datamer.frontend.ui.service1', level: 'responder' as const },
    { groupId: 2, orgPattern: 'datamer.frontend.*', level: 'interested' as const },
    { groupId: 3, orgPattern: '*', level: 'interested' as const },
    { groupId: 4, orgPattern: 'datamer.data.*', level: 'responder' as const },
  ];
  const memberships = [
    { groupId: 1, userId: 10 },
    { groupId: 1, userId: 11 },
    { groupId: 2, userId: 11 },
    { groupId: 2, userId: 12 },
    { groupId: 3, userId: 13 },
    { groupId: 4, userId: 14 },
  ];

  it('sends service1 events to the ui team; the interested also include the responders', () => {
    expect(audienceOf('datamer.frontend.ui.service1', subscriptions, memberships)).to.deep.equal({
      responders: [10, 11],
      interested: [10, 11, 12, 13],
    });
  });

  it('gives an org nobody responds to no responders, but the interested still see it', () => {
    expect(audienceOf('datamer.frontend.api.service2', subscriptions, memberships)).to.deep.equal({
      responders: [],
      interested: [11, 12, 13],
    });
  });

  it('lists a user in several matching groups once', () => {
    const a = audienceOf('datamer.data.db.olap', subscriptions, [...memberships, { groupId: 3, userId: 14 }]);
    expect(a).to.deep.equal({ responders: [14], interested: [13, 14] });
  });
});
