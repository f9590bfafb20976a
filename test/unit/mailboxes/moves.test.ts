import { expect } from 'chai';
import { actionsForArrival, destinationOf, type EventFacts, type FolderFacts, type MoveAction } from '../../../src/mailboxes/moves.js';

const open: EventFacts = { status: 'open', assignee: null };
const alices: EventFacts = { status: 'assigned', assignee: 'alice' };
const doneByAlice: EventFacts = { status: 'completed', assignee: 'alice' };
const doneByNobody: EventFacts = { status: 'completed', assignee: null };

const claim = (handle: string, org = 'acme.db'): FolderFacts => ({ role: 'claim', org, handle });
const completed = (org = 'acme.db'): FolderFacts => ({ role: 'completed', org, handle: null });
const klass = (org = 'acme.db'): FolderFacts => ({ role: 'class', org, handle: null });
const unclassified: FolderFacts = { role: 'unclassified', org: null, handle: null };
const inbox: FolderFacts = { role: 'inbox', org: null, handle: null };

describe('what a move in the mailbox means', () => {
  const cases: Array<[string, FolderFacts, EventFacts, string | null, MoveAction[]]> = [
    ['into a claim folder: claimed', claim('alice'), open, 'acme.db', [{ type: 'assign', handle: 'alice' }]],
    ['into another engineer\'s folder: handed over', claim('bob'), alices, 'acme.db', [{ type: 'assign', handle: 'bob' }]],
    ['into the claimer\'s own folder again: nothing', claim('alice'), alices, 'acme.db', []],
    ['a completed one into a claim folder: reopened, then claimed', claim('bob'), doneByAlice, 'acme.db', [{ type: 'reopen' }, { type: 'assign', handle: 'bob' }]],
    ['a completed one back into its claimer\'s folder: reopened only', claim('alice'), doneByAlice, 'acme.db', [{ type: 'reopen' }]],
    ['into completed: completed', completed(), alices, 'acme.db', [{ type: 'complete' }]],
    ['an open one straight into completed: completed', completed(), open, 'acme.db', [{ type: 'complete' }]],
    ['into completed when it already is: nothing', completed(), doneByAlice, 'acme.db', []],
    ['back into the org folder: unassigned', klass(), alices, 'acme.db', [{ type: 'unassign' }]],
    ['a completed one back into the org folder: reopened and unassigned', klass(), doneByAlice, 'acme.db', [{ type: 'reopen' }, { type: 'unassign' }]],
    ['a completed, unclaimed one back into the org folder: reopened', klass(), doneByNobody, 'acme.db', [{ type: 'reopen' }]],
    ['an open one into its own org folder: nothing', klass(), open, 'acme.db', []],
    ['an unclassified one into an org folder: labelled', klass(), open, null, [{ type: 'label', org: 'acme.db' }]],
    ['a misfiled one into another org folder: labelled with it', klass('acme.web'), open, 'acme.db', [{ type: 'label', org: 'acme.web' }]],
    ['an unclassified one straight into a claim folder: labelled and claimed', claim('alice'), open, null, [{ type: 'label', org: 'acme.db' }, { type: 'assign', handle: 'alice' }]],
    ['back into Unclassified: unassigned, its org kept', unclassified, alices, 'acme.db', [{ type: 'unassign' }]],
    ['back into the inbox: nothing (DaTamer files it again)', inbox, alices, 'acme.db', []],
  ];
  for (const [what, folder, event, org, expected] of cases) {
    it(what, () => expect(actionsForArrival(folder, event, org)).to.deep.equal(expected));
  }
});

describe('where a message belongs', () => {
  it('follows its event: the org folder while open, the claimer\'s folder, completed', () => {
    expect(destinationOf('acme.db', open)).to.deep.equal({ role: 'class', org: 'acme.db' });
    expect(destinationOf('acme.db', alices)).to.deep.equal({ role: 'claim', org: 'acme.db', handle: 'alice' });
    expect(destinationOf('acme.db', doneByAlice)).to.deep.equal({ role: 'completed', org: 'acme.db' });
  });
  it('without an org it stays in Unclassified, whatever its event', () => {
    expect(destinationOf(null, alices)).to.deep.equal({ role: 'unclassified' });
    expect(destinationOf(null, null)).to.deep.equal({ role: 'unclassified' });
  });
});
