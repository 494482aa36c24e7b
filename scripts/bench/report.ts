/** BENCHMARKS.md and bench-results.json: the machine, the versions, each scenario, the targets. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ProfileSummary } from './profile.ts';
import type { Measurement, ScenarioResult } from './results.ts';
import { REPO_ROOT } from './services.ts';
import type { BenchSettings } from './settings.ts';

export interface BenchReport {
  generatedAt: string;
  quick: boolean;
  bus: string;
  durationS: number;
  commit: string;
  machine: { cpu: string; cores: number; memoryGb: number; kernel: string };
  versions: Record<string, string>;
  /** The Postgres server's max_connections (a full run needs more than the default 100). */
  postgresMaxConnections: number;
  scenarios: ScenarioResult[];
  /** The CPU profile of the router under scenario 7 (BENCH_PROFILE=1), and a previous run's. */
  profile?: { now?: ProfileSummary; before?: ProfileSummary };
}

const LIBRARIES = [
  '@apollo/gateway',
  '@apollo/server',
  '@apollo/subgraph',
  '@apollo/composition',
  'graphql',
  '@graphql-hive/gateway',
  '@mikro-orm/postgresql',
  'pg',
  'pg-boss',
  'ws',
  'graphql-ws',
  'jose',
  'autocannon',
];

export async function environment(
  serverUrl: string,
): Promise<Pick<BenchReport, 'machine' | 'versions' | 'commit' | 'postgresMaxConnections'>> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  const { rows } = await client
    .query<{ server_version: string; max_connections: string }>(
      `select current_setting('server_version') as server_version,
              current_setting('max_connections') as max_connections`,
    )
    .finally(() => client.end());
  const versions: Record<string, string> = {
    node: process.version,
    postgres: rows[0]?.server_version ?? '?',
  };
  for (const name of LIBRARIES) {
    try {
      const manifest = JSON.parse(
        readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      );
      versions[name] = (manifest as { version: string }).version;
    } catch {
      versions[name] = 'not installed';
    }
  }
  let commit = 'unknown';
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    commit = git('rev-parse', '--short', 'HEAD');
    if (git('status', '--porcelain', '--untracked-files=no') !== '') commit += ' with uncommitted changes';
  } catch {
    // Not a git checkout.
  }
  return {
    commit,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      kernel: release(),
    },
    versions,
    postgresMaxConnections: Number(rows[0]?.max_connections),
  };
}

const cell = (value: string | number | null | undefined) =>
  value === null || value === undefined ? 'n/a' : String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

const round = (value: number | null, digits = 2) => (value === null ? null : value.toFixed(digits));

function measurementRows(measurements: Measurement[]): string {
  return table(
    [
      'run',
      'requests',
      'req/s',
      'p50 ms',
      'p99 ms',
      'router CPU ms/req',
      'subgraphs CPU ms/req',
      'peak memory MB',
      'failed / wrong',
    ],
    measurements.map((m) => [
      m.label,
      m.load.requests,
      m.load.rps.toFixed(0),
      m.load.latencyMs.p50.toFixed(2),
      m.load.latencyMs.p99.toFixed(2),
      round(m.routerCpuMsPerRequest),
      round(m.subgraphCpuMsPerRequest),
      Object.entries(m.peakMemoryMb)
        .map(([name, mb]) => `${name} ${mb}`)
        .join(', '),
      `${m.load.failed} / ${m.load.wrong}`,
    ]),
  );
}

function profileSection(profile: BenchReport['profile']): string {
  if (!profile?.now && !profile?.before) {
    return 'Not recorded in this run: run `BENCH_PROFILE=1 npm run bench` (adds `--cpu-prof` to the router during scenario 7).';
  }
  const part = (title: string, summary: ProfileSummary | undefined) =>
    summary
      ? [
          `**${title}** (${summary.totalMs.toFixed(0)} ms of samples, idle excluded)`,
          '',
          table(
            ['package', 'self ms', '%'],
            summary.packages.map((entry) => [entry.name, entry.selfMs.toFixed(0), entry.percent.toFixed(1)]),
          ),
          '',
          table(
            ['function', 'self ms', '%'],
            summary.functions.map((entry) => [entry.name, entry.selfMs.toFixed(0), entry.percent.toFixed(1)]),
          ),
        ].join('\n')
      : `**${title}**: none`;
  return [part('Before (BENCH_PROFILE_BEFORE)', profile.before), part('This run', profile.now)]
    .filter((text) => !text.endsWith(': none') || profile.before !== undefined)
    .join('\n\n');
}

export function renderMarkdown(report: BenchReport, settings: BenchSettings): string {
  const { machine, versions } = report;
  const ratios = report.scenarios.flatMap((scenario) =>
    scenario.ratios.map((each) => [
      scenario.id,
      each.name,
      each.display,
      each.target,
      each.pass ? 'PASS' : 'MISSED',
      each.reason ?? '',
    ]),
  );
  const failedChecks = report.scenarios.flatMap((scenario) => scenario.checks.filter((check) => !check.ok));
  const sections = report.scenarios.map((scenario) =>
    [
      `## ${scenario.id}. ${scenario.title}`,
      scenario.method,
      scenario.measurements.length > 0 ? measurementRows(scenario.measurements) : '',
      ...scenario.tables.map((each) => `**${each.title}**\n\n${table(each.headers, each.rows)}`),
      scenario.ratios.length > 0
        ? table(
            ['ratio', 'value', 'target', 'result', 'reason if missed'],
            scenario.ratios.map((each) => [
              each.name,
              each.display,
              each.target,
              each.pass ? 'PASS' : 'MISSED',
              each.reason ?? '',
            ]),
          )
        : '',
      `Correctness: ${scenario.checks.filter((check) => check.ok).length}/${scenario.checks.length} checks passed.` +
        scenario.checks
          .filter((check) => !check.ok)
          .map((check) => `\n- FAILED: ${check.name} (${check.detail ?? ''})`)
          .join(''),
      ...scenario.notes,
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  return `# Benchmarks

Measured by \`npm run bench\` (scripts/bench/) on ${report.generatedAt} at commit ${report.commit}: a
${report.quick ? '**quick (BENCH_QUICK=1: tiny data, short runs; numbers are not meaningful)**' : 'full'} run of
${report.durationS.toFixed(0)} s, event bus \`${report.bus}\`. Every number below comes from this one run.

**Machine**: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB memory, Linux ${machine.kernel}. The load
driver, the services, Postgres and the bench share these cores: absolute numbers are this machine's; the ratios
compare contenders measured side by side in the same run.

**Versions**: ${Object.entries(versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}.

**How it runs**: there is no build step (the image runs the TypeScript sources directly on Node 24); each service
is started as the image starts it (\`node scripts/serve.ts <service>\`, \`NODE_ENV=production\`,
\`LOG_LEVEL=${settings.logLevel}\`), one process each, on fresh databases loaded with a generated data set
(${settings.profile.size.users.toLocaleString('en')} users, ${settings.profile.size.products.toLocaleString('en')}
products, ${settings.profile.size.orders.toLocaleString('en')} orders) and dropped afterwards. Load comes from a separate
process (autocannon for HTTP, ws for subscriptions). CPU per request is the utime + stime delta of the processes
(/proc/<pid>/stat) over the run divided by the requests answered; peak memory is VmHWM (reset before each run through
/proc/<pid>/clear_refs). Rate limits are on with budgets above the load; the rate-limit store is in memory (no Redis).

## Targets

${table(['scenario', 'ratio', 'value', 'target', 'result', 'reason if missed'], ratios)}

${failedChecks.length === 0 ? 'Every response checked was right.' : `**${failedChecks.length} correctness checks FAILED** (see below).`}

${sections.join('\n\n')}

## CPU profile of the router (scenario 7)

${profileSection(report.profile)}

## Reproduce

\`\`\`sh
npm ci
npm run bench                      # full run, about 17 minutes on 2 cores; writes BENCHMARKS.md and bench-results.json
BENCH_QUICK=1 npm run bench        # one minute, tiny data; checks every scenario's answers (CI)
BENCH_PROFILE=1 npm run bench      # also profiles the router under scenario 7
BUS=pubsub npm run bench           # the saga on the Pub/Sub emulator (needs gcloud)
\`\`\`

Postgres: \`DATABASE_URL\` (default \`postgres://postgres@127.0.0.1:5432/postgres\`; the bench creates and drops its
own databases there). Other variables: \`BENCH_OUTPUT_DIR\`, \`BENCH_SCENARIOS=1,3,7\`, \`BENCH_SUBSCRIBERS=10000,20000\`, \`BENCH_REPEATS\` (3), \`BENCH_LOG_LEVEL\`,
\`BENCH_PROFILE_BEFORE=<an earlier bench-results.json>\` (its profile shown as "before").
`;
}
