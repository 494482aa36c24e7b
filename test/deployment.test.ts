/**
 * The deployment layer, checked without a Docker engine or a cluster (the image is run by
 * image.e2e.test.ts): both kustomize overlays render, every object validates against the Kubernetes (and
 * GKE) schemas, every Deployment is probed, limited, locked down and drains within its grace period, every
 * variable the services require is provided by the cluster config and by docker-compose.yml (checked by
 * the services' own config readers), compose and Kubernetes run the same services on the same ports, the
 * NetworkPolicies let exactly router -> subgraphs and orders -> products through, only the router is
 * exposed, the gke router also scales on a request rate the router really counts, and nothing the image
 * runs imports a dev dependency.
 */
import { randomBytes } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as gkeCloudV1 from '@kubernetes-models/gke/cloud.google.com/v1';
import * as gkeNetworkingV1 from '@kubernetes-models/gke/networking.gke.io/v1';
import * as gkeNetworkingV1beta1 from '@kubernetes-models/gke/networking.gke.io/v1beta1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '../lib/config.ts';
import { readRouterConfig } from '../router/config.ts';
import { readMigrationTargets } from '../scripts/database-migrations.ts';
import { ROUTER_DEFAULT_PORT, SUBGRAPHS, SUBGRAPH_NAMES } from '../subgraphs/registry.ts';
import { SUBGRAPH_DEFINITIONS } from '../subgraphs/index.ts';
import {
  at,
  composeEnv,
  composeServices,
  DOCKERFILE,
  dockerIgnored,
  list,
  nameOf,
  obj,
  runtimeCopies,
  SERVICES,
  text,
  type Json,
  type ServiceName,
} from './support/deployment-files.ts';
import { REPO_ROOT } from './support/processes.ts';

const run = promisify(execFile);

const PORTS: Record<ServiceName, number> = {
  router: ROUTER_DEFAULT_PORT,
  users: SUBGRAPHS.users.defaultPort,
  products: SUBGRAPHS.products.defaultPort,
  orders: SUBGRAPHS.orders.defaultPort,
  inventory: SUBGRAPHS.inventory.defaultPort,
};
const OVERLAYS = ['local', 'gke'] as const;
type Overlay = (typeof OVERLAYS)[number];

function kubectlAvailable(): boolean {
  // Bounded: a blocking call that hung would stop the whole worker, jest's timeouts included.
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

async function render(overlay: Overlay): Promise<Json[]> {
  const { stdout } = await run('kubectl', ['kustomize', join(REPO_ROOT, 'k8s/overlays', overlay)], {
    maxBuffer: 10_000_000,
    timeout: 60_000,
  });
  return parseAllDocuments(stdout).map((document) => obj(document.toJS()));
}

interface Validatable {
  validate(): void;
}

/**
 * Managed Prometheus's PodMonitoring, which @kubernetes-models/gke lacks: a selector by labels and
 * endpoints naming a container port and an interval, as the CRD requires.
 */
class PodMonitoringModel implements Validatable {
  readonly #object: Json;
  constructor(object: Json) {
    this.#object = object;
  }
  validate(): void {
    const labels = obj(at(this.#object, 'spec', 'selector', 'matchLabels'));
    if (Object.keys(labels).length === 0) throw new Error('spec.selector.matchLabels is required');
    const endpoints = list(at(this.#object, 'spec', 'endpoints'));
    if (endpoints.length === 0) throw new Error('spec.endpoints is required');
    for (const endpoint of endpoints) {
      if (typeof endpoint.port !== 'string' && typeof endpoint.port !== 'number')
        throw new Error('spec.endpoints[].port is required');
      if (!/^\d+[smh]$/.test(text(endpoint.interval)))
        throw new Error('spec.endpoints[].interval must be like 30s');
    }
  }
}

/** The schema classes, by apiVersion and kind; the GKE custom resources from @kubernetes-models/gke. */
const SCHEMAS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'autoscaling/v2': autoscalingV2,
  'policy/v1': policyV1,
  'networking.k8s.io/v1': networkingV1,
  'cloud.google.com/v1': gkeCloudV1,
  'networking.gke.io/v1': gkeNetworkingV1,
  'networking.gke.io/v1beta1': gkeNetworkingV1beta1,
  'monitoring.googleapis.com/v1': { PodMonitoring: PodMonitoringModel },
};

type ModelClass = new (data: Json) => Validatable;

/** The schema's complaint about `object`, or null when it is valid. */
function schemaProblem(object: Json): string | null {
  const apiVersion = text(object.apiVersion);
  const kind = text(object.kind);
  const model = SCHEMAS[apiVersion]?.[kind];
  if (typeof model !== 'function') return `no schema for ${apiVersion} ${kind}`;
  try {
    new (model as ModelClass)(object).validate();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The variables a container sees, with every configMap/secret reference resolved. */
function containerEnv(
  container: Json,
  configMaps: Map<string, Record<string, string>>,
  secrets: Map<string, Record<string, string>>,
): Record<string, string> {
  const source = (kind: 'configMap' | 'secret', name: string) => {
    const data = (kind === 'configMap' ? configMaps : secrets).get(name);
    if (!data) throw new Error(`${nameOf(container)}: no ${kind} ${name}`);
    return data;
  };
  const env: Record<string, string> = {};
  for (const from of list(container.envFrom)) {
    if (from.configMapRef) Object.assign(env, source('configMap', text(at(from, 'configMapRef', 'name'))));
    if (from.secretRef) Object.assign(env, source('secret', text(at(from, 'secretRef', 'name'))));
  }
  for (const variable of list(container.env)) {
    const name = text(variable.name);
    const configKey = obj(at(variable, 'valueFrom', 'configMapKeyRef'));
    const secretKey = obj(at(variable, 'valueFrom', 'secretKeyRef'));
    const value =
      variable.value !== undefined
        ? text(variable.value)
        : configKey.name !== undefined
          ? source('configMap', text(configKey.name))[text(configKey.key)]
          : source('secret', text(secretKey.name))[text(secretKey.key)];
    if (value === undefined) throw new Error(`${name}: the key it names is missing`);
    env[name] = value;
  }
  return env;
}

/** What a config reader says about `env`: 'ok', or its list of problems. */
function configProblems(read: () => unknown): 'ok' | readonly string[] {
  try {
    read();
    return 'ok';
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

function readServiceConfig(service: ServiceName, env: Record<string, string>) {
  return service === 'router' ? readRouterConfig(env) : SUBGRAPH_DEFINITIONS[service].readConfig(env);
}

function secretData(secret: Json): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj(secret.data))) {
    data[key] = Buffer.from(text(value), 'base64').toString('utf8');
  }
  for (const [key, value] of Object.entries(obj(secret.stringData))) data[key] = text(value);
  return data;
}

/** The Secrets made outside git (k8s/base/secrets.template.yaml), with their placeholders. */
const TEMPLATE_SECRETS = new Map(
  parseAllDocuments(readFileSync(join(REPO_ROOT, 'k8s/base/secrets.template.yaml'), 'utf8'))
    .map((document) => obj(document.toJS()))
    .map((secret) => [nameOf(secret), secretData(secret)] as const),
);

/** The template's Secrets as an operator fills them in: a generated ROUTER_SECRET and passwords of their own. */
function filledTemplateSecrets(): Map<string, Record<string, string>> {
  return new Map(
    [...TEMPLATE_SECRETS].map(([name, data]) => [
      name,
      Object.fromEntries(
        Object.entries(data).map(([key, value]) => [
          key,
          key === 'ROUTER_SECRET'
            ? randomBytes(32).toString('base64')
            : value.replaceAll('REPLACE-ME', randomBytes(12).toString('hex')),
        ]),
      ),
    ]),
  );
}

function labelsMatch(selector: Json, labels: Record<string, string>): boolean {
  const matchLabels = obj(selector.matchLabels);
  const byLabels = Object.entries(matchLabels).every(([key, value]) => labels[key] === text(value));
  const byExpressions = list(selector.matchExpressions).every((expression) => {
    const values = (expression.values as string[] | undefined) ?? [];
    const label = labels[text(expression.key)];
    if (expression.operator === 'In') return label !== undefined && values.includes(label);
    if (expression.operator === 'NotIn') return label === undefined || !values.includes(label);
    if (expression.operator === 'Exists') return label !== undefined;
    return label === undefined;
  });
  return byLabels && byExpressions;
}

// --- the rendered overlays ----------------------------------------------------------------------------------

interface Rendered {
  objects: Json[];
  deployments: Map<string, Json>;
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
}

const kubectl = kubectlAvailable();
if (!kubectl) {
  console.warn('kubectl is not installed: the Kubernetes checks of test/deployment.test.ts are skipped');
}
const rendered = new Map<Overlay, Rendered>();

function overlay(name: Overlay): Rendered {
  const result = rendered.get(name);
  if (!result) throw new Error(`${name} was not rendered`);
  return result;
}

function ofKind(objects: Json[], kind: string): Json[] {
  return objects.filter((object) => object.kind === kind);
}

function mainContainer(workload: Json): Json {
  const [container] = list(at(workload, 'spec', 'template', 'spec', 'containers'));
  if (!container) throw new Error(`${nameOf(workload)} has no container`);
  return container;
}

(kubectl ? describe : describe.skip)('k8s overlays', () => {
  beforeAll(async () => {
    for (const name of OVERLAYS) {
      const objects = await render(name);
      const secrets = new Map(TEMPLATE_SECRETS);
      for (const secret of ofKind(objects, 'Secret')) secrets.set(nameOf(secret), secretData(secret));
      rendered.set(name, {
        objects,
        deployments: new Map(
          ofKind(objects, 'Deployment').map((deployment) => [nameOf(deployment), deployment]),
        ),
        configMaps: new Map(
          ofKind(objects, 'ConfigMap').map((map) => [
            nameOf(map),
            Object.fromEntries(Object.entries(obj(map.data)).map(([key, value]) => [key, text(value)])),
          ]),
        ),
        secrets,
      });
    }
  }, 60_000);

  it('rejects an object that breaks its schema (the validator bites)', () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { replicas: 'two' },
    };
    expect(schemaProblem(broken)).toMatch(/replicas must be integer/);
  });

  it.each(OVERLAYS)('renders the %s overlay into objects that all validate against their schemas', (name) => {
    const { objects } = overlay(name);
    expect(objects.length).toBeGreaterThan(30);
    const problems = objects.flatMap((object) => {
      const problem = schemaProblem(object);
      return problem === null ? [] : [`${text(object.kind)}/${nameOf(object)}: ${problem}`];
    });
    expect(problems).toEqual([]);
    const namespaced = objects.filter((object) => object.kind !== 'Namespace');
    expect(new Set(namespaced.map((object) => at(object, 'metadata', 'namespace')))).toEqual(
      new Set(['pharmacy']),
    );
  });

  it.each(OVERLAYS)(
    'runs one Deployment per service in the %s overlay, probed on /health and /ready, limited, non-root, read-only, draining within its grace period',
    (name) => {
      const { deployments, configMaps } = overlay(name);
      const shutdownSeconds = Number(configMaps.get('pharmacy-config')?.SHUTDOWN_TIMEOUT_MS) / 1000;
      expect(shutdownSeconds).toBe(10);
      // The bus's drain is bounded (at most 20 s by default, so that it fits beside preStop and the HTTP drain).
      const drainSeconds = Number(configMaps.get('pharmacy-config')?.EVENT_BUS_DRAIN_TIMEOUT_SECONDS);
      expect(drainSeconds).toBeGreaterThan(0);
      expect(drainSeconds).toBeLessThanOrEqual(20);
      const ours = [...deployments.values()].filter(
        (deployment) => at(deployment, 'metadata', 'labels', 'app.kubernetes.io/component') === 'server',
      );
      expect(ours.map(nameOf).sort()).toEqual([...SERVICES].sort());
      for (const service of SERVICES) {
        const deployment = deployments.get(service) ?? {};
        const pod = obj(at(deployment, 'spec', 'template', 'spec'));
        const container = mainContainer(deployment);
        const port = list(container.ports).find((entry) => entry.name === 'http');
        const probe = (kind: string) => obj(at(container, kind, 'httpGet'));
        const preStop =
          (at(container, 'lifecycle', 'preStop', 'exec', 'command') as string[] | undefined) ?? [];
        const preStopSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : NaN;
        expect({
          service,
          args: container.args,
          port: port?.containerPort,
          startup: probe('startupProbe'),
          liveness: probe('livenessProbe'),
          readiness: probe('readinessProbe'),
          strategy: at(deployment, 'spec', 'strategy'),
          podSecurity: {
            runAsNonRoot: at(pod, 'securityContext', 'runAsNonRoot'),
            seccomp: at(pod, 'securityContext', 'seccompProfile', 'type'),
          },
          containerSecurity: container.securityContext,
          replicasLeftToTheAutoscaler: at(deployment, 'spec', 'replicas') === undefined,
          tmp: list(container.volumeMounts).some((mount) => mount.mountPath === '/tmp'),
        }).toEqual({
          service,
          args: [service],
          port: PORTS[service],
          startup: { path: '/health', port: 'http' },
          liveness: { path: '/health', port: 'http' },
          readiness: { path: '/ready', port: 'http' },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          podSecurity: { runAsNonRoot: true, seccomp: 'RuntimeDefault' },
          containerSecurity: {
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
          replicasLeftToTheAutoscaler: true,
          tmp: true,
        });
        for (const bound of ['requests', 'limits']) {
          expect(Object.keys(obj(at(container, 'resources', bound))).sort()).toEqual(['cpu', 'memory']);
        }
        // A CPU limit below a core would throttle Node's main thread in a burst.
        expect(at(container, 'resources', 'limits', 'cpu')).toBe('1');
        // The router waits for the load balancer's NEG to stop sending it requests (15–20 s).
        expect(preStopSeconds).toBeGreaterThanOrEqual(service === 'router' ? 15 : 5);
        // preStop, the drain, and (orders, inventory, router) the bus's bounded close.
        const busClose = ['orders', 'inventory', 'router'].includes(service) ? drainSeconds : 0;
        expect(Number(pod.terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(
          preStopSeconds + shutdownSeconds + busClose,
        );
      }
    },
  );

  it.each(OVERLAYS)(
    'exposes /metrics on a port the ingress never reaches and sends spans to a collector in the %s overlay',
    (name) => {
      const { objects, deployments, configMaps } = overlay(name);
      const config = configMaps.get('pharmacy-config') ?? {};
      expect(config.METRICS_PORT).toBe('9464');
      expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      for (const service of SERVICES) {
        const ports = list(mainContainer(deployments.get(service) ?? {}).ports);
        expect(ports.find((port) => port.name === 'metrics')?.containerPort).toBe(9464);
      }
      // The collector's Service listens where the services send.
      const collector = ofKind(objects, 'Service').find((service) => nameOf(service) === 'otel-collector');
      expect(list(at(collector ?? {}, 'spec', 'ports')).map((port) => port.port)).toContain(4318);
      expect(deployments.has('otel-collector')).toBe(true);
      // The ingress routes to the router's http port only.
      expect(JSON.stringify(ofKind(objects, 'Ingress'))).not.toContain('9464');
      if (name === 'gke') {
        const monitored = ofKind(objects, 'PodMonitoring').map((monitoring) =>
          text(at(monitoring, 'spec', 'selector', 'matchLabels', 'app.kubernetes.io/name')),
        );
        expect(monitored.sort()).toEqual([...SERVICES].sort());
      }
    },
  );

  it('refuses the template’s placeholders in production: every gke service names what is still to be set', () => {
    const { deployments, configMaps } = overlay('gke');
    const secrets = new Map(TEMPLATE_SECRETS);
    for (const service of SERVICES) {
      const env = containerEnv(mainContainer(deployments.get(service) ?? {}), configMaps, secrets);
      expect(configProblems(() => readServiceConfig(service, env))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^ROUTER_SECRET is a value committed to this repository/),
        ]),
      );
    }
  });

  it.each(OVERLAYS)(
    'gives every service in the %s overlay the variables its own config reader requires',
    (name) => {
      const { deployments, configMaps } = overlay(name);
      // The gke overlay runs with the Secrets an operator made from the template, with secrets of their own.
      const secrets = name === 'gke' ? filledTemplateSecrets() : overlay(name).secrets;
      for (const service of SERVICES) {
        const container = mainContainer(deployments.get(service) ?? {});
        const env = containerEnv(container, configMaps, secrets);
        expect({ service, problems: configProblems(() => readServiceConfig(service, env)) }).toEqual({
          service,
          problems: 'ok',
        });
        const config = readServiceConfig(service, env);
        // The local cluster's secrets are committed, hence public: it runs in development mode.
        expect({ service, production: config.production, port: config.port }).toEqual({
          service,
          production: name === 'gke',
          port: PORTS[service],
        });
      }
      const router = readRouterConfig(
        containerEnv(mainContainer(deployments.get('router') ?? {}), configMaps, secrets),
      );
      expect(router.subgraphUrls).toEqual(
        Object.fromEntries(
          SUBGRAPH_NAMES.map((subgraph) => [subgraph, `http://${subgraph}:${PORTS[subgraph]}/graphql`]),
        ),
      );
      expect(router.eventBus.kind).toBe('pubsub');
      expect(router.redisUrl).toMatch(/^redis:\/\//);
      const orders = SUBGRAPH_DEFINITIONS.orders.readConfig(
        containerEnv(mainContainer(deployments.get('orders') ?? {}), configMaps, secrets),
      );
      expect({ catalogue: orders.catalogue.url, migrateOnStart: orders.migrateOnStart }).toEqual({
        catalogue: 'http://products:4002/graphql',
        migrateOnStart: false,
      });
      // The users signing keys: a directory mount of the Secret that holds the file JWT_KEYS_FILE names.
      const users = mainContainer(deployments.get('users') ?? {});
      const keysFile = containerEnv(users, configMaps, secrets).JWT_KEYS_FILE ?? '';
      const mount = list(users.volumeMounts).find((entry) => entry.mountPath === posix.dirname(keysFile));
      const volume = list(at(deployments.get('users'), 'spec', 'template', 'spec', 'volumes')).find(
        (entry) => entry.name === mount?.name,
      );
      const keysSecret = text(at(volume, 'secret', 'secretName'));
      expect({ subPath: mount?.subPath, keys: Object.keys(secrets.get(keysSecret) ?? {}) }).toEqual({
        subPath: undefined,
        keys: [posix.basename(keysFile)],
      });
      // The migration Job reaches the four databases.
      const [job] = ofKind(overlay(name).objects, 'Job');
      const targets = readMigrationTargets(containerEnv(mainContainer(job ?? {}), configMaps, secrets));
      expect(targets.map((target) => target.subgraph)).toEqual(SUBGRAPH_NAMES);
      expect(mainContainer(job ?? {}).image).toBe(mainContainer(deployments.get('router') ?? {}).image);
    },
  );

  it.each(OVERLAYS)(
    'scales every service of the %s overlay from 2 to 10 on CPU and takes one down at most in a disruption',
    (name) => {
      const { objects } = overlay(name);
      const autoscalers = ofKind(objects, 'HorizontalPodAutoscaler').map((hpa) => ({
        target: at(hpa, 'spec', 'scaleTargetRef', 'name'),
        min: at(hpa, 'spec', 'minReplicas'),
        max: at(hpa, 'spec', 'maxReplicas'),
        metric: at(list(at(hpa, 'spec', 'metrics'))[0], 'resource', 'name'),
      }));
      expect(autoscalers.sort((a, b) => text(a.target).localeCompare(text(b.target)))).toEqual(
        [...SERVICES].sort().map((target) => ({ target, min: 2, max: 10, metric: 'cpu' })),
      );
      const budgets = ofKind(objects, 'PodDisruptionBudget').map((pdb) => ({
        selects: at(pdb, 'spec', 'selector', 'matchLabels', 'app.kubernetes.io/name'),
        maxUnavailable: at(pdb, 'spec', 'maxUnavailable'),
      }));
      expect(budgets.sort((a, b) => text(a.selects).localeCompare(text(b.selects)))).toEqual(
        [...SERVICES].sort().map((selects) => ({ selects, maxUnavailable: 1 })),
      );
    },
  );

  it('scales the gke router on CPU and on its request rate per pod from Managed Prometheus; the local one on CPU only', () => {
    const routerMetrics = (name: Overlay) =>
      list(
        at(
          ofKind(overlay(name).objects, 'HorizontalPodAutoscaler').find((hpa) => nameOf(hpa) === 'router'),
          'spec',
          'metrics',
        ),
      );
    const cpu = {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
    };
    expect(routerMetrics('local')).toEqual([cpu]);
    const [gkeCpu, rate, ...rest] = routerMetrics('gke');
    expect({ cpu: gkeCpu, type: rate?.type, target: at(rate, 'pods', 'target'), rest }).toEqual({
      cpu,
      type: 'Pods',
      target: { type: 'AverageValue', averageValue: '600' },
      rest: [],
    });
    // The Custom Metrics Stackdriver Adapter's name for a Managed Prometheus metric: prometheus.googleapis.com|<name>|<kind>.
    const [domain, metric, kind, ...more] = text(at(rate, 'pods', 'metric', 'name')).split('|');
    expect({ domain, kind, more }).toEqual({
      domain: 'prometheus.googleapis.com',
      kind: 'counter',
      more: [],
    });
    // A counter the router really makes, under that name.
    const source = readFileSync(join(REPO_ROOT, 'router/router-metrics.ts'), 'utf8');
    expect(source).toMatch(new RegExp(`service\\.counter\\(\\{\\s*name: '${metric ?? ''}',`));
    expect(metric).toBe('pharmacy_router_requests_total');
  });

  it.each(OVERLAYS)(
    'lets exactly router -> subgraphs and orders -> products through the NetworkPolicies of the %s overlay',
    (name) => {
      const { objects, deployments } = overlay(name);
      const policies = ofKind(objects, 'NetworkPolicy');
      const podLabels = new Map(
        SERVICES.map((service) => [
          service,
          obj(at(deployments.get(service), 'spec', 'template', 'metadata', 'labels')) as Record<
            string,
            string
          >,
        ]),
      );
      const selected = (selector: unknown) =>
        SERVICES.filter((service) => labelsMatch(obj(selector), podLabels.get(service) ?? {}));
      const ingressEdges = new Set<string>();
      const egressEdges = new Set<string>();
      const routerSources: Json[] = [];
      for (const policy of policies) {
        const targets = selected(at(policy, 'spec', 'podSelector'));
        for (const rule of list(at(policy, 'spec', 'ingress'))) {
          for (const peer of list(rule.from)) {
            if (peer.podSelector !== undefined && peer.namespaceSelector === undefined) {
              for (const from of selected(peer.podSelector)) {
                for (const to of targets) ingressEdges.add(`${from}->${to}`);
              }
            } else if (targets.includes('router')) routerSources.push(peer);
          }
        }
        for (const rule of list(at(policy, 'spec', 'egress'))) {
          for (const peer of list(rule.to)) {
            if (peer.podSelector === undefined) continue;
            for (const to of selected(peer.podSelector)) {
              for (const from of targets) egressEdges.add(`${from}->${to}`);
            }
          }
        }
      }
      const expected = [
        'orders->products',
        'router->inventory',
        'router->orders',
        'router->products',
        'router->users',
      ];
      expect([...ingressEdges].sort()).toEqual(expected);
      expect([...egressEdges].sort()).toEqual(expected);
      // The router is reached from the ingress controller only: a namespace (nginx) or the load balancer's ranges.
      expect(routerSources.length).toBeGreaterThan(0);
      for (const peer of routerSources) {
        expect(peer.namespaceSelector !== undefined || peer.ipBlock !== undefined).toBe(true);
      }
      const defaultDeny = policies.find((policy) => nameOf(policy) === 'default-deny');
      expect(at(defaultDeny, 'spec')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      // Each subgraph (and the migration Job) may reach a database; the router may not.
      const databaseEgress = (selector: string) =>
        policies.some(
          (policy) =>
            at(policy, 'spec', 'podSelector', 'matchLabels', 'app.kubernetes.io/name') === selector &&
            list(at(policy, 'spec', 'egress')).some((rule) =>
              list(rule.ports).some((port) => port.port === 5432),
            ),
        );
      expect(['router', ...SUBGRAPH_NAMES, 'migrate'].map((pod) => [pod, databaseEgress(pod)])).toEqual([
        ['router', false],
        ...SUBGRAPH_NAMES.map((subgraph) => [subgraph, true]),
        ['migrate', true],
      ]);
    },
  );

  it.each(OVERLAYS)('exposes only the router, over TLS, in the %s overlay', (name) => {
    const { objects } = overlay(name);
    const ingresses = ofKind(objects, 'Ingress');
    expect(ingresses.length).toBe(1);
    const [ingress] = ingresses;
    const backends = list(at(ingress, 'spec', 'rules')).flatMap((rule) =>
      list(at(rule, 'http', 'paths')).map((path) => at(path, 'backend', 'service')),
    );
    expect(backends).toEqual([{ name: 'router', port: { name: 'http' } }]);
    expect(list(at(ingress, 'spec', 'tls')).length).toBe(1);
    const services = ofKind(objects, 'Service').filter((service) =>
      SERVICES.includes(nameOf(service) as ServiceName),
    );
    expect(
      services.map((service) => [nameOf(service), at(service, 'spec', 'type') ?? 'ClusterIP']).sort(),
    ).toEqual([...SERVICES].sort().map((service) => [service, 'ClusterIP']));
    const annotations = obj(at(ingress, 'metadata', 'annotations'));
    if (name === 'local') {
      // ingress-nginx keeps WebSockets open an hour.
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
    } else {
      const router = services.find((service) => nameOf(service) === 'router');
      const backendConfig = JSON.parse(
        text(at(router, 'metadata', 'annotations', 'cloud.google.com/backend-config')),
      ) as {
        default: string;
      };
      const config = ofKind(objects, 'BackendConfig').find(
        (object) => nameOf(object) === backendConfig.default,
      );
      expect({
        timeoutSec: at(config, 'spec', 'timeoutSec'),
        healthCheck: at(config, 'spec', 'healthCheck', 'requestPath'),
        certificate: annotations['networking.gke.io/managed-certificates'],
        certificates: ofKind(objects, 'ManagedCertificate').map(nameOf),
      }).toEqual({
        timeoutSec: 3600,
        healthCheck: '/ready',
        certificate: 'router',
        certificates: ['router'],
      });
    }
  });

  it('deploys the gke overlay from Artifact Registry with Workload Identity, Pub/Sub and Memorystore', () => {
    const { objects, deployments, configMaps } = overlay('gke');
    // Ours; the OpenTelemetry Collector is a pinned public image.
    const images = new Set(
      [...deployments.values(), ...ofKind(objects, 'Job')]
        .filter((workload) => nameOf(workload) !== 'otel-collector')
        .map((workload) => mainContainer(workload).image),
    );
    expect(mainContainer(deployments.get('otel-collector') ?? {}).image).toMatch(
      /^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/,
    );
    expect([...images]).toEqual([
      expect.stringMatching(/^[a-z0-9-]+-docker\.pkg\.dev\/[^/]+\/[^/]+\/pharmacy-supergraph:/),
    ]);
    const [account] = ofKind(objects, 'ServiceAccount');
    expect(at(account, 'metadata', 'annotations', 'iam.gke.io/gcp-service-account')).toMatch(
      /\.iam\.gserviceaccount\.com$/,
    );
    const config = configMaps.get('pharmacy-config') ?? {};
    expect({
      bus: config.EVENT_BUS,
      emulator: config.PUBSUB_EMULATOR_HOST,
      redis: config.REDIS_URL?.startsWith('redis://'),
    }).toEqual({
      bus: 'pubsub',
      emulator: undefined,
      redis: true,
    });
    // No Secret is applied by the overlay: they are made outside git, so an apply never overwrites them.
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });
});

// --- docker compose --------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('runs the same services on the same ports as the k8s Deployments, publishing only the router', () => {
    const ours = Object.keys(composeServices).filter((service) => SERVICES.includes(service as ServiceName));
    expect(ours.sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      expect({
        service,
        command: at(composeServices, service, 'command'),
        port: composeEnv(service).PORT,
      }).toEqual({
        service,
        command: [service],
        port: String(PORTS[service]),
      });
    }
    const published = Object.entries(composeServices)
      .filter(([, definition]) => obj(definition).ports !== undefined)
      .map(([service, definition]) => [service, obj(definition).ports]);
    // Postgres counts as healthy only once it answers over TCP (not the init server on its socket).
    expect(at(composeServices, 'postgres', 'healthcheck', 'test')).toEqual([
      'CMD-SHELL',
      'pg_isready -h 127.0.0.1 -U pharmacy -d pharmacy_inventory',
    ]);
    // This machine only: the compose file's secrets and demo passwords are public.
    expect(published).toEqual([
      ['otel-collector', ['127.0.0.1:16686:16686']],
      ['router', ['127.0.0.1:4000:4000']],
    ]);
    expect(Object.keys(composeServices).sort()).toEqual(
      [
        ...SERVICES,
        'postgres',
        'pubsub',
        'redis',
        'ensure-keys',
        'migrate',
        'pubsub-setup',
        'demo-data',
        'otel-collector',
      ].sort(),
    );
  });

  it('gives every service the variables its own config reader requires, in development mode: its secrets are public', () => {
    for (const service of SERVICES) {
      const env = composeEnv(service);
      expect({ service, problems: configProblems(() => readServiceConfig(service, env)) }).toEqual({
        service,
        problems: 'ok',
      });
      expect(readServiceConfig(service, env).production).toBe(false);
      // The same settings in production are refused: the secret is one committed here.
      expect(configProblems(() => readServiceConfig(service, { ...env, NODE_ENV: 'production' }))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^ROUTER_SECRET is a value committed to this repository/),
        ]),
      );
    }
    expect(composeEnv('demo-data').DEMO_DATA).toBe('true');
    expect(readMigrationTargets(composeEnv('migrate')).map((target) => target.subgraph)).toEqual(
      SUBGRAPH_NAMES,
    );
    // The users key file lives in the volume ensure-keys writes.
    const keysFile = composeEnv('users').JWT_KEYS_FILE ?? '';
    expect(composeEnv('ensure-keys').JWT_KEYS_FILE).toBe(keysFile);
    expect(at(composeServices, 'users', 'volumes')).toEqual([`jwt-keys:${posix.dirname(keysFile)}:ro`]);
  });

  it('starts each service once its backends are healthy and the one-shot steps have succeeded', () => {
    for (const service of SERVICES) {
      const definition = obj(composeServices[service]);
      const dependsOn = obj(definition.depends_on);
      const conditions = Object.fromEntries(
        Object.entries(dependsOn).map(([name, dependency]) => [name, at(dependency, 'condition')]),
      );
      if (service === 'router') {
        expect(conditions).toMatchObject(
          Object.fromEntries([...SUBGRAPH_NAMES, 'redis', 'pubsub'].map((name) => [name, 'service_healthy'])),
        );
      } else {
        expect(conditions).toMatchObject({
          postgres: 'service_healthy',
          'ensure-keys': 'service_completed_successfully',
          migrate: 'service_completed_successfully',
          'pubsub-setup': 'service_completed_successfully',
        });
      }
      expect(at(definition, 'healthcheck', 'test')).toEqual(
        expect.arrayContaining([expect.stringContaining('/ready')]),
      );
      const grace = Number(/^(\d+)s$/.exec(text(definition.stop_grace_period))?.[1]);
      expect(grace).toBeGreaterThan(Number(composeEnv(service).SHUTDOWN_TIMEOUT_MS) / 1000);
    }
    for (const backend of ['postgres', 'pubsub', 'redis']) {
      expect(at(composeServices, backend, 'healthcheck', 'test')).toBeDefined();
    }
  });
});

// --- the image ----------------------------------------------------------------------------------------------------

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Every file the image's entry point can load, by following relative imports from its entries. */
function runtimeImportGraph(): { files: string[]; packages: Set<string> } {
  const serve = readFileSync(join(REPO_ROOT, 'scripts/serve.ts'), 'utf8');
  const entries = [...serve.matchAll(/'(\.\.?\/[^']+\.ts)'/g)].map((match) =>
    posix.join('scripts', match[1] ?? ''),
  );
  const files = new Set<string>(['scripts/serve.ts']);
  const packages = new Set<string>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (files.has(file) && file !== 'scripts/serve.ts') continue;
    files.add(file);
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ].map((match) => match[1] ?? '');
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(posix.normalize(posix.join(posix.dirname(file), specifier)));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
      }
    }
  }
  return { files: [...files].sort(), packages };
}

describe('Dockerfile', () => {
  it('builds on Node 24, installs production dependencies in a cached layer, and runs as a non-root user under tini', () => {
    const bases = [...DOCKERFILE.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]);
    expect(bases).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:24-(slim|alpine)$/m);
    // package*.json (and the SDK workspace's) are copied alone before `npm ci`, so the layer is rebuilt
    // only when they change.
    expect(DOCKERFILE).toMatch(
      /COPY package\.json package-lock\.json \.\/\n(?:#[^\n]*\n)*COPY sdk\/package\.json \.\/sdk\/\n(?:#[^\n]*\n)*RUN[^\n]*\n\s*npm ci --omit=dev /,
    );
    expect(DOCKERFILE).toMatch(/^USER 1000:1000$/m);
    expect(DOCKERFILE).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "scripts\/serve\.ts"\]$/m);
    expect(runtimeCopies()).toEqual([
      'package.json',
      'lib',
      'router',
      'subgraphs',
      'schema',
      'sdk',
      'scripts',
    ]);
  });

  it('copies every file the entry point loads, and none of them imports a dev dependency', () => {
    const { files, packages } = runtimeImportGraph();
    expect(files).toEqual(
      expect.arrayContaining(['router/main.ts', 'scripts/migrate.ts', 'scripts/pubsub-setup.ts']),
    );
    const copied = runtimeCopies();
    const missing = files.filter(
      (file) =>
        dockerIgnored(file) || !copied.some((source) => file === source || file.startsWith(`${source}/`)),
    );
    expect(missing).toEqual([]);
    const notProduction = [...packages].filter((name) => PACKAGE.dependencies[name] === undefined).sort();
    expect(notProduction).toEqual([]);
    // Tests and local tooling stay out of the image.
    expect(
      [
        'lib/config.test.ts',
        'subgraphs/orders/orders.test-support.ts',
        'test/support/services.ts',
        'scripts/start.ts',
      ].map(dockerIgnored),
    ).toEqual([true, true, true, true]);
  });
});
