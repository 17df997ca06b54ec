/**
 * Reads the deployments as their tools see them, for the tests that keep them true to the code:
 * each Kubernetes overlay as `kubectl kustomize` renders it, and docker-compose.yml as
 * `docker-compose config` resolves it, each reduced to what an app gets: its environment, port,
 * probes and grace period.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { parse, parseAllDocuments } from 'yaml';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '..', '..');
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** A Kubernetes object as rendered: only the fields every object has are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Rendered manifests are read field by field by the tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
}

async function tool(command: string, args: string[], hint: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new Error(`${command} is not installed; ${hint}`);
    throw new Error(`${command} ${args.join(' ')} failed: ${failure.stderr ?? failure.message}`);
  }
}

/** `kubectl kustomize k8s/overlays/<overlay>`, parsed. */
export async function renderOverlay(overlay: Overlay): Promise<K8sObject[]> {
  const output = await tool(
    'kubectl',
    ['kustomize', path.join('k8s', 'overlays', overlay)],
    'install kubectl (https://kubernetes.io/docs/tasks/tools/)',
  );
  return parseAllDocuments(output)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
}

/** The pods' labels of a workload (Deployment, StatefulSet or Job). */
export function podLabels(workload: K8sObject): Record<string, string> {
  return (workload.spec?.template?.metadata?.labels as Record<string, string> | undefined) ?? {};
}

/** Whether a label selector (`matchLabels` and `matchExpressions` with In / Exists) selects `labels`. */
export function selects(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] },
  labels: Record<string, string>,
): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && (expression.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(expression.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${expression.operator}`);
    }
  });
  return byLabel && byExpression;
}

/** A stand-in for a Secret's value: URL-safe, and naming where the real one comes from. */
export function secretPlaceholder(secret: string, key: string): string {
  return `secret-${secret}-${key}`.replace(/[^A-Za-z0-9-]/g, '-');
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

/**
 * A container's environment as the kubelet builds it: `envFrom` ConfigMaps (from the rendered
 * objects), then `env` in order, with `$(VAR)` references expanded. Secret values are
 * placeholders; optional Secret keys are left out, as when the Secret lacks them.
 */
export function containerEnv(
  objects: readonly K8sObject[],
  container: { envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[]; env?: EnvVar[] },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.secretRef)
      throw new Error(`envFrom secretRef ${source.secretRef.name}: name each secret variable instead, so that it can be checked`);
    if (source.configMapRef) Object.assign(env, find(objects, 'ConfigMap', source.configMapRef.name).data ?? {});
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (reference, name: string) => env[name] ?? reference);
    } else if (variable.valueFrom?.secretKeyRef) {
      const { name, key, optional } = variable.valueFrom.secretKeyRef;
      if (!optional) env[variable.name] = secretPlaceholder(name, key);
    } else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      const value = find(objects, 'ConfigMap', name).data?.[key];
      if (value === undefined) throw new Error(`ConfigMap ${name} has no ${key} (read by ${variable.name})`);
      env[variable.name] = value;
    } else if (variable.valueFrom?.fieldRef) {
      env[variable.name] = `field-${variable.valueFrom.fieldRef.fieldPath}`;
    }
  }
  return env;
}

/** What one app gets in one deployment. */
export interface AppDeployment {
  service: ServiceName;
  env: Record<string, string>;
  /** The port each probe (or health check) calls, and its path. */
  probes: { kind: string; path: string; port: number }[];
  /** Ports the app's container (or host) exposes for HTTP. */
  httpPorts: number[];
  /** Seconds between SIGTERM (after any pre-stop pause) and the kill. */
  drainSeconds: number;
}

type Container = {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  [probe: string]: unknown;
};

export function appContainer(workload: K8sObject): Container {
  const containers = workload.spec.template.spec.containers as Container[];
  if (containers.length !== 1) throw new Error(`${workload.kind} ${workload.metadata.name} has ${containers.length} containers`);
  return containers[0];
}

/** Seconds a pre-stop hook pauses (an `exec sleep N` or a `sleep` action). */
export function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
}

const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;

/** Each app's Deployment in a rendered overlay, reduced to what the app's code must agree with. */
export function k8sAppDeployments(objects: readonly K8sObject[]): AppDeployment[] {
  return SERVICE_NAMES.map((service) => {
    const deployment = find(objects, 'Deployment', service);
    const container = appContainer(deployment);
    const portByName = new Map((container.ports ?? []).map((port) => [port.name, port.containerPort]));
    const probes = PROBES.map((kind) => {
      const probe = container[kind] as { httpGet?: { path: string; port: number | string } } | undefined;
      if (!probe?.httpGet) throw new Error(`${service}: ${kind} is not an httpGet probe`);
      const { path: probePath, port } = probe.httpGet;
      const resolved = typeof port === 'number' ? port : portByName.get(port);
      if (resolved === undefined) throw new Error(`${service}: ${kind} calls port ${port}, which the container does not name`);
      return { kind, path: probePath, port: resolved };
    });
    return {
      service,
      env: containerEnv(objects, container),
      probes,
      httpPorts: (container.ports ?? []).filter((port) => port.name === 'http').map((port) => port.containerPort),
      drainSeconds: deployment.spec.template.spec.terminationGracePeriodSeconds - preStopSeconds(container),
    };
  });
}

const COMPOSE_HINT = 'install it with `apt-get install docker-compose` (no Docker engine is needed)';

/** `docker-compose config -q`: validates docker-compose.yml with the given variables file; throws with compose's message. */
export async function checkCompose(envFile = '.env.example'): Promise<void> {
  await tool('docker-compose', ['--env-file', envFile, 'config', '-q'], COMPOSE_HINT);
}

/** docker-compose.yml as `docker-compose config` resolves it with the given variables file. */
export async function composeConfig(
  envFile = '.env.example',
): Promise<{ services: Record<string, ComposeService>; volumes?: Record<string, unknown> }> {
  const output = await tool(
    'docker-compose',
    ['--env-file', envFile, 'config'],
    'install it with `apt-get install docker-compose` (no Docker engine is needed)',
  );
  return parse(output) as { services: Record<string, ComposeService> };
}

export interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: (string | { target: number; published: number | string })[];
  volumes?: (string | { source?: string; target: string; type?: string })[];
  read_only?: boolean;
  cap_drop?: string[];
  stop_grace_period?: string;
}

/** Duration in Compose's notation (`15s`, `1m30s`) to seconds. */
export function composeSeconds(duration: string | undefined): number {
  if (duration === undefined) return 10; // Compose's default
  let seconds = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)) {
    seconds += Number(amount) * { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 }[unit as 'h' | 'm' | 's' | 'ms' | 'us'];
  }
  return seconds;
}

/** Each app's Compose service, reduced to what the app's code must agree with. */
export function composeAppDeployments(services: Record<string, ComposeService>): AppDeployment[] {
  return SERVICE_NAMES.map((service) => {
    const definition = services[service];
    if (!definition) throw new Error(`docker-compose.yml has no ${service} service`);
    const env = Object.fromEntries(
      Object.entries(definition.environment ?? {}).filter((entry): entry is [string, string] => entry[1] !== null),
    );
    const probeUrl = (definition.healthcheck?.test ?? []).join(' ').match(/https?:\/\/[^'"\s]+/)?.[0];
    if (!probeUrl) throw new Error(`${service}: its health check calls no URL`);
    const url = new URL(probeUrl);
    return {
      service,
      env,
      probes: [{ kind: 'healthcheck', path: url.pathname, port: Number(url.port) }],
      // The ports the host publishes to the container; only the gateway's is.
      httpPorts: (definition.ports ?? []).map((port) => (typeof port === 'string' ? Number(port.split(':').pop()) : port.target)),
      drainSeconds: composeSeconds(definition.stop_grace_period),
    };
  });
}
