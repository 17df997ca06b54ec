/**
 * The Kubernetes overlays and docker-compose.yml, as kubectl and docker-compose render them: valid
 * against the Kubernetes schemas (offline, kubernetes-models), locked down, and wired to the
 * parts they name. Whether each app's code agrees with them (ports, probe paths, variables, users)
 * is checked against the built apps in test/deployments.int-spec.ts.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_HTTP_PORTS, HEALTH_PATHS, SECRET_VARIABLE, SERVICE_NAMES } from '@leadflow/contracts';
import {
  appContainer,
  checkCompose,
  composeAppDeployments,
  composeConfig,
  type ComposeService,
  find,
  k8sAppDeployments,
  type K8sObject,
  type Overlay,
  OVERLAYS,
  podLabels,
  preStopSeconds,
  renderOverlay,
  ROOT,
  selects,
} from './deployments';
import { AUTOSCALED_APPS } from './app-manifests';
import { APP_CREDENTIALS_SECRET, natsPasswordKey } from './names';

/** The kubernetes-models class for an object's apiVersion and kind (core, built-in groups, CloudNativePG). */
async function modelFor(object: K8sObject): Promise<new (data: object) => { validate(): void }> {
  const modulePath = object.apiVersion.startsWith('postgresql.cnpg.io/')
    ? `@kubernetes-models/cloudnative-pg/${object.apiVersion}/${object.kind}`
    : `kubernetes-models/${object.apiVersion}/${object.kind}`;
  const loaded = (await import(modulePath)) as Record<string, new (data: object) => { validate(): void }>;
  const model = loaded[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

const rendered = new Map<Overlay, K8sObject[]>();
let compose: { services: Record<string, ComposeService> };

beforeAll(async () => {
  for (const overlay of OVERLAYS) rendered.set(overlay, await renderOverlay(overlay));
  compose = await composeConfig();
}, 60_000);

const objectsOf = (overlay: Overlay) => rendered.get(overlay) ?? [];
const workloads = (objects: readonly K8sObject[]) => objects.filter((object) => ['Deployment', 'StatefulSet', 'Job'].includes(object.kind));

describe.each(OVERLAYS)('k8s/overlays/%s', (overlay) => {
  it('renders, and every object is valid against its Kubernetes schema', async () => {
    const objects = objectsOf(overlay);
    expect(objects.length).toBeGreaterThan(30);
    const invalid: string[] = [];
    for (const object of objects) {
      const Model = await modelFor(object);
      try {
        new Model(object).validate();
      } catch (error) {
        invalid.push(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(invalid).toEqual([]);
    const elsewhere = objects.filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== 'leadflow');
    expect(elsewhere.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([]);
  });

  it('commits no Secret and no secret value: every password, key and secret comes from a Secret reference', () => {
    const objects = objectsOf(overlay);
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const literal: string[] = [];
    for (const workload of workloads(objects)) {
      for (const container of workload.spec.template.spec.containers as { name: string; env?: { name: string; value?: string }[] }[]) {
        for (const variable of container.env ?? []) {
          if (SECRET_VARIABLE.test(variable.name) && variable.value !== undefined)
            literal.push(`${workload.metadata.name}/${container.name}: ${variable.name}`);
        }
      }
    }
    expect(literal).toEqual([]);
  });

  it('runs every container as a non-root user, read-only, without privilege escalation or capabilities, with resources', () => {
    const problems: string[] = [];
    for (const workload of workloads(objectsOf(overlay))) {
      const pod = workload.spec.template.spec;
      for (const container of pod.containers as {
        name: string;
        securityContext?: Record<string, unknown>;
        resources?: { requests?: object; limits?: { memory?: string } };
      }[]) {
        const where = `${workload.kind}/${workload.metadata.name}/${container.name}`;
        const security = container.securityContext ?? {};
        if (!(security.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problems.push(`${where}: may run as root`);
        if (security.readOnlyRootFilesystem !== true) problems.push(`${where}: writable root filesystem`);
        if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation allowed`);
        if (!(security.capabilities as { drop?: string[] } | undefined)?.drop?.includes('ALL'))
          problems.push(`${where}: capabilities not dropped`);
        if (!container.resources?.requests || !container.resources.limits?.memory) problems.push(`${where}: no requests or memory limit`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(SERVICE_NAMES)(
    '%s: a Deployment probed on live, ready and startup paths of its HTTP port, a Service, a PDB and a migration Job',
    (service) => {
      const objects = objectsOf(overlay);
      const [app] = k8sAppDeployments(objects).filter((deployment) => deployment.service === service);
      expect(app.httpPorts).toEqual([DEFAULT_HTTP_PORTS[service]]);
      expect(app.probes).toEqual([
        { kind: 'startupProbe', path: HEALTH_PATHS.live, port: DEFAULT_HTTP_PORTS[service] },
        { kind: 'livenessProbe', path: HEALTH_PATHS.live, port: DEFAULT_HTTP_PORTS[service] },
        { kind: 'readinessProbe', path: HEALTH_PATHS.ready, port: DEFAULT_HTTP_PORTS[service] },
      ]);

      const deployment = find(objects, 'Deployment', service);
      const container = appContainer(deployment);
      expect(preStopSeconds(container)).toBeGreaterThan(0);
      const labels = podLabels(deployment);

      const serviceObject = find(objects, 'Service', service);
      expect(selects({ matchLabels: serviceObject.spec.selector }, labels)).toBe(true);
      expect(serviceObject.spec.ports).toEqual([expect.objectContaining({ port: DEFAULT_HTTP_PORTS[service], targetPort: 'http' })]);

      const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget' && selects(object.spec.selector, labels));
      expect(budgets.map((budget) => budget.metadata.name)).toEqual([service]);
      expect(budgets[0].spec.maxUnavailable ?? 0).toBeGreaterThan(0);

      const migration = find(objects, 'Job', `${service}-migrate`);
      const migrate = appContainer(migration);
      expect(migrate.image).toBe(container.image);
      expect(migrate.args).toEqual(['migrate']);
      expect(migrate.env).toEqual(container.env);
      expect(migrate.envFrom).toEqual(container.envFrom);
      // A migration Job's pods are not the app's: the Service and the PDB leave them alone.
      expect(selects({ matchLabels: serviceObject.spec.selector }, podLabels(migration))).toBe(false);
    },
  );

  it('autoscales the gateway and ingestion, and no other app, with an Ingress to the gateway alone', () => {
    const objects = objectsOf(overlay);
    const autoscalers = objects.filter((object) => object.kind === 'HorizontalPodAutoscaler');
    expect(autoscalers.map((hpa) => hpa.spec.scaleTargetRef.name).sort()).toEqual([...AUTOSCALED_APPS].sort());
    for (const hpa of autoscalers) {
      const target = find(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
      expect(target.kind).toBe('Deployment');
      // Left to the autoscaler, so that an apply does not reset the count it chose.
      expect(target.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    }
    const ingresses = objects.filter((object) => object.kind === 'Ingress');
    const backends = ingresses.flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule: { http: { paths: { backend: { service: object } }[] } }) =>
        rule.http.paths.map((route) => route.backend.service),
      ),
    );
    expect(backends).toEqual([{ name: 'gateway', port: { name: 'http' } }]);
  });

  it('lets traffic in to the gateway alone, and the apps out only to NATS, PostgreSQL and DNS (the gateway also to public addresses, for webhooks)', () => {
    const objects = objectsOf(overlay);
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    for (const service of SERVICE_NAMES) {
      const labels = podLabels(find(objects, 'Deployment', service));
      const applying = policies.filter((policy) => selects(policy.spec.podSelector, labels));
      // Some policy selects every app for both directions, so the default is deny.
      expect(applying.some((policy) => policy.spec.policyTypes.includes('Ingress'))).toBe(true);
      expect(applying.some((policy) => policy.spec.policyTypes.includes('Egress'))).toBe(true);
      const ingressRules = applying.flatMap((policy) => policy.spec.ingress ?? []);
      if (service === 'gateway') expect(ingressRules).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
      else expect(ingressRules).toEqual([]);
      const egress = applying.flatMap((policy) => policy.spec.egress ?? []) as {
        to: { podSelector?: { matchLabels?: Record<string, string> }; ipBlock?: { cidr: string; except: string[] } }[];
        ports: { port?: number }[];
      }[];
      const reachable = egress.map(
        (rule) =>
          `${rule.to.map((peer) => (peer.ipBlock ? `${peer.ipBlock.cidr} except ${peer.ipBlock.except.join(' ')}` : JSON.stringify(peer.podSelector?.matchLabels ?? {}))).join('|')}:${rule.ports.map((port) => port.port ?? 'any').join(',')}`,
      );
      expect(reachable.sort()).toEqual(
        [
          '{"app.kubernetes.io/component":"database"}:5432',
          '{"app.kubernetes.io/component":"messaging"}:4222',
          '{"k8s-app":"kube-dns"}:53,53',
          ...(service === 'gateway'
            ? ['0.0.0.0/0 except 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16 127.0.0.0/8:any']
            : []),
        ].sort(),
      );
    }
    // NATS and the database pods take connections from the apps.
    const nats = find(objects, 'StatefulSet', 'nats');
    const natsIngress = policies
      .filter((policy) => selects(policy.spec.podSelector, podLabels(nats)))
      .flatMap((policy) => policy.spec.ingress ?? []);
    const gatewayLabels = podLabels(find(objects, 'Deployment', 'gateway'));
    expect(
      natsIngress.some(
        (rule: { from: { podSelector: object }[]; ports: { port: number }[] }) =>
          rule.ports.some((port) => port.port === 4222) && rule.from.some((peer) => selects(peer.podSelector, gatewayLabels)),
      ),
    ).toBe(true);
  });

  it('runs NATS as a three-server JetStream cluster that knows every app user, with streams kept on three servers', async () => {
    const objects = objectsOf(overlay);
    const nats = find(objects, 'StatefulSet', 'nats');
    expect(nats.spec.replicas).toBe(3);
    const platform = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith('leadflow-platform-'));
    expect(platform?.data?.JETSTREAM_REPLICAS).toBe('3');
    expect(platform?.data?.NATS_URL).toBe(`nats://${find(objects, 'Service', 'nats').metadata.name}:4222`);

    const config =
      objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith('leadflow-nats-config-'))?.data?.[
        'nats.conf'
      ] ?? '';
    const routes = [...config.matchAll(/nats:\/\/([a-z0-9-]+)\.([a-z0-9-]+):6222/g)].map((match) => `${match[1]}.${match[2]}`);
    expect(routes).toEqual([0, 1, 2].map((ordinal) => `nats-${ordinal}.${nats.spec.serviceName}`));
    expect(config).toContain('include ./auth.conf');

    // auth.conf is mounted next to nats.conf, and each app's password reaches the servers from the same Secret key the app reads.
    const mounted = nats.spec.template.spec.volumes.flatMap(
      (volume: { projected?: { sources: { configMap: { name: string } }[] } }) =>
        volume.projected?.sources.map((source) => source.configMap.name) ?? [],
    );
    expect(mounted.some((name: string) => name.startsWith('leadflow-nats-auth-'))).toBe(true);
    const auth = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith('leadflow-nats-auth-'))?.data?.[
      'auth.conf'
    ];
    expect(auth).toBe(await readFile(path.join(ROOT, 'k8s/base/nats/auth.conf'), 'utf8'));
    const serverEnv = appContainer(nats).env ?? [];
    for (const service of SERVICE_NAMES) {
      const appPassword = appContainer(find(objects, 'Deployment', service)).env?.find((variable) => variable.name === 'NATS_PASSWORD');
      expect(serverEnv).toContainEqual({ name: natsPasswordKey(service), valueFrom: appPassword?.valueFrom });
      expect(appPassword?.valueFrom?.secretKeyRef).toEqual({ name: APP_CREDENTIALS_SECRET, key: natsPasswordKey(service) });
    }
  });

  it('points the apps and the database-roles Job at the database this overlay runs', () => {
    const objects = objectsOf(overlay);
    const host = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith('leadflow-platform-'))?.data
      ?.DATABASE_HOST;
    if (overlay === 'prod') {
      const cluster = find(objects, 'Cluster', 'leadflow-db');
      expect(cluster.spec.instances).toBeGreaterThanOrEqual(2);
      expect(host).toBe(`${cluster.metadata.name}-rw`);
      expect(cluster.spec.superuserSecret).toEqual({ name: 'leadflow-database-admin' });
      expect(cluster.spec.inheritedMetadata.labels['app.kubernetes.io/component']).toBe('database');
    } else {
      const postgres = find(objects, 'StatefulSet', 'postgres');
      expect(postgres.spec.replicas).toBe(1);
      expect(find(objects, 'Service', host ?? '').spec.selector).toEqual(postgres.spec.selector.matchLabels);
      expect(podLabels(postgres)['app.kubernetes.io/component']).toBe('database');
    }
    const provision = appContainer(find(objects, 'Job', 'provision-database-roles'));
    expect(provision.env).toContainEqual({
      name: 'PGHOST',
      valueFrom: { configMapKeyRef: { name: expect.stringMatching(/^leadflow-platform-/), key: 'DATABASE_HOST' } },
    });
  });

  it('gives every app pod a grace period longer than its pre-stop pause', () => {
    for (const app of k8sAppDeployments(objectsOf(overlay))) expect(app.drainSeconds).toBeGreaterThan(0);
  });
});

describe('the overlays differ where they should', () => {
  it('pins released images in prod and runs one replica of each app in dev', () => {
    const prodImages = k8sAppDeployments(objectsOf('prod')).map(
      (app) => appContainer(find(objectsOf('prod'), 'Deployment', app.service)).image,
    );
    expect(prodImages.every((image) => /^registry\.example\.com\/leadflow\/[a-z]+:\d+\.\d+\.\d+$/.test(image))).toBe(true);
    const devReplicas = SERVICE_NAMES.map((service) =>
      AUTOSCALED_APPS.includes(service)
        ? find(objectsOf('dev'), 'HorizontalPodAutoscaler', service).spec.minReplicas
        : find(objectsOf('dev'), 'Deployment', service).spec.replicas,
    );
    expect(devReplicas).toEqual([1, 1, 1, 1, 1]);
    expect(objectsOf('dev').some((object) => object.kind === 'Cluster')).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  it('passes `docker-compose config -q` with the variables of .env.example, and names a missing one', async () => {
    await expect(checkCompose()).resolves.toBeUndefined();
    expect(Object.keys(compose.services).sort()).toEqual([...SERVICE_NAMES, 'nats', 'postgres'].sort());
    const empty = path.join(await mkdtemp(path.join(os.tmpdir(), 'leadflow-compose-')), '.env');
    await writeFile(empty, '');
    await expect(checkCompose(empty)).rejects.toThrow(/set [A-Z_]+_PASSWORD \(see \.env\.example\)/);
  });

  it.each(SERVICE_NAMES)(
    '%s: its own image and role, read-only, healthy on /health/ready, started after healthy PostgreSQL and NATS',
    (service) => {
      const definition = compose.services[service];
      expect(definition.build?.args).toEqual({ APP: service });
      expect(definition.image).toMatch(new RegExp(`^leadflow-${service}:`));
      expect(definition.read_only).toBe(true);
      expect(definition.cap_drop).toEqual(['ALL']);
      expect(definition.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      expect(definition.depends_on?.nats).toEqual({ condition: 'service_healthy' });
      const [app] = composeAppDeployments(compose.services).filter((deployment) => deployment.service === service);
      expect(app.probes).toEqual([{ kind: 'healthcheck', path: HEALTH_PATHS.ready, port: DEFAULT_HTTP_PORTS[service] }]);
      expect(app.env.NATS_URL).toBe('nats://nats:4222');
      expect(new URL(app.env.DATABASE_URL).host).toBe('postgres:5432');
    },
  );

  it('publishes the gateway alone, on 3000, and gives NATS and PostgreSQL the rendered users, roles and volumes', () => {
    const published = Object.entries(compose.services).filter(([, definition]) => (definition.ports ?? []).length > 0);
    expect(published.map(([name]) => name)).toEqual(['gateway']);
    expect(JSON.stringify(compose.services.gateway.ports)).toMatch(/3000/);
    const targets = (name: string) =>
      (compose.services[name].volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[1] : volume.target));
    expect(targets('nats')).toEqual(expect.arrayContaining(['/etc/nats/nats.conf', '/etc/nats/auth.conf', '/data']));
    expect(targets('postgres')).toEqual(expect.arrayContaining(['/var/lib/postgresql/data', '/leadflow/provision-roles.sql']));
    for (const service of SERVICE_NAMES)
      expect(compose.services.nats.environment?.[natsPasswordKey(service)]).toBe(compose.services[service].environment?.NATS_PASSWORD);
  });
});
