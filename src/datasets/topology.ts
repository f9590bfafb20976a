// The simulated organization: its servers under example.test, the org each belongs to (the
// seed's orgs, docs/datasets.md), and who depends on whom, so an incident can spread the way it
// would in a real shop (web → api → database; most hosts mount nfs1).

export const DOMAIN = 'example.test';
export const fqdn = (host: string): string => `${host}.${DOMAIN}`;

export interface Server {
  host: string;
  fqdn: string;
  org: string;
  address: string;
  /** the hosts this one needs to work */
  dependsOn: string[];
  mountsNfs: boolean;
}

const ORG_OF: Array<[RegExp, string]> = [
  [/^web[1-3]$/, 'datamer.frontend.ui.service1'],
  [/^web[4-6]$/, 'datamer.frontend.ui.service2'],
  [/^api[12]$/, 'datamer.frontend.api.service1'],
  [/^api[34]$/, 'datamer.frontend.api.service2'],
  [/^lb\d$/, 'datamer.frontend.haproxy'],
  [/^(batch\d|queue\d)$/, 'datamer.logic.mse.organizer.standard'],
  [/^ml\d$/, 'datamer.logic.mse.organizer.ml'],
  [/^db[12]$/, 'datamer.data.db.olap'],
  [/^db3$/, 'datamer.data.db.ml'],
  [/^(nfs\d|backup\d)$/, 'datamer.infra.storage'],
  [/^(ci\d|mon\d|zbx\d|prom\d|mail\d|cache\d)$/, 'datamer.infra.tools'],
];

const HOSTS = [
  'web1', 'web2', 'web3', 'web4', 'web5', 'web6', 'api1', 'api2', 'api3', 'api4', 'lb1', 'lb2',
  'batch1', 'batch2', 'queue1', 'queue2', 'ml1', 'ml2', 'db1', 'db2', 'db3', 'nfs1', 'backup1',
  'ci1', 'mon1', 'zbx1', 'prom1', 'mail1', 'cache1', 'cache2',
];

function dependenciesOf(host: string): string[] {
  if (/^web[1-3]$/.test(host)) return ['api1', 'api2', 'cache1'];
  if (/^web[4-6]$/.test(host)) return ['api3', 'api4', 'cache2'];
  if (/^api\d$/.test(host)) return ['db1', 'db2'];
  if (/^lb\d$/.test(host)) return ['web1', 'web2', 'web3', 'web4', 'web5', 'web6'];
  if (/^(batch\d|queue\d)$/.test(host)) return ['db1', 'queue1'];
  if (/^ml\d$/.test(host)) return ['db3'];
  return [];
}

const MOUNTS_NFS = /^(web\d|api\d|batch\d|ml\d|ci1)$/;

export const SERVERS: readonly Server[] = HOSTS.map((host, i) => ({
  host,
  fqdn: fqdn(host),
  org: ORG_OF.find(([re]) => re.test(host))![1],
  address: `10.0.${Math.floor(i / 10) + 1}.${10 + i}`,
  dependsOn: dependenciesOf(host),
  mountsNfs: MOUNTS_NFS.test(host),
}));

export function server(host: string): Server {
  const found = SERVERS.find((s) => s.host === host);
  if (!found) throw new Error(`no server ${host} in the simulated organization`);
  return found;
}

/** hosts that need `host`, directly or through others */
export function dependents(host: string): Server[] {
  const out = new Set<string>();
  const visit = (h: string) => {
    for (const s of SERVERS) if (s.dependsOn.includes(h) && !out.has(s.host)) { out.add(s.host); visit(s.host); }
  };
  visit(host);
  return SERVERS.filter((s) => out.has(s.host));
}

export const NFS_CLIENTS = (): Server[] => SERVERS.filter((s) => s.mountsNfs);

/** the hosts the routine traffic watches (the monitoring servers mail about others, not themselves) */
export const WATCHED: readonly Server[] = SERVERS.filter((s) => !/^(mon1|zbx1|prom1)$/.test(s.host));

/**
 * Up to this scale the 27 watched hosts carry the routine traffic; above it the shop is bigger.
 * A real mailbox of 20,000 monitoring messages a day comes from a fleet of a few hundred hosts,
 * each check failing now and then, not from 27 hosts whose every check fails 20 times a day
 * (docs/datasets.md, "Routine traffic").
 */
export const FLEET_SCALE = 10;

// Roles of the hosts a bigger shop adds, numbered on from the base ones, in the same orgs.
const EXTRA_ROLES: Array<{ role: string; from: number; org: (n: number) => string }> = [
  { role: 'web', from: 7, org: (n) => (n % 2 === 1 ? 'datamer.frontend.ui.service1' : 'datamer.frontend.ui.service2') },
  { role: 'api', from: 5, org: (n) => (n % 2 === 1 ? 'datamer.frontend.api.service1' : 'datamer.frontend.api.service2') },
  { role: 'batch', from: 3, org: () => 'datamer.logic.mse.organizer.standard' },
  { role: 'queue', from: 3, org: () => 'datamer.logic.mse.organizer.standard' },
  { role: 'ml', from: 3, org: () => 'datamer.logic.mse.organizer.ml' },
  { role: 'cache', from: 3, org: () => 'datamer.infra.tools' },
];

/**
 * The watched fleet at a scale: the 27 watched hosts, and above FLEET_SCALE as many more again
 * per FLEET_SCALE of scale. The added hosts only send routine mail: no incident scenario names
 * them, they mount nothing and nothing depends on them.
 */
export function watchedFleet(scale: number): Server[] {
  const extra = Math.max(0, Math.ceil(WATCHED.length * (scale / FLEET_SCALE - 1)));
  const out = [...WATCHED];
  for (let j = 0; j < extra; j++) {
    const r = EXTRA_ROLES[j % EXTRA_ROLES.length]!;
    const n = r.from + Math.floor(j / EXTRA_ROLES.length);
    const host = `${r.role}${n}`;
    out.push({ host, fqdn: fqdn(host), org: r.org(n), address: `10.1.${Math.floor(j / 200)}.${10 + (j % 200)}`, dependsOn: [], mountsNfs: false });
  }
  return out;
}
