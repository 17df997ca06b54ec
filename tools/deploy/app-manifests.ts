/**
 * Each app's Kubernetes objects in k8s/base/apps/<app>.yaml, rendered from what the code decides:
 * its HTTP port (contracts' DEFAULT_HTTP_PORTS), its probe paths (HEALTH_PATHS), its NATS user
 * and its database role. The five apps differ only in those facts, so one description here keeps
 * them alike; overlays patch replicas, resources and images.
 */
import { DEFAULT_HTTP_PORTS, HEALTH_PATHS, METRICS_PATH, SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { appRoleName } from '@leadflow/dev-services';
import { stringify } from 'yaml';
import { APP_CREDENTIALS_SECRET, databasePasswordKey, DEPLOYED_DATABASE, GATEWAY_SECRET, natsPasswordKey, PLATFORM_CONFIG } from './names';

/** Seconds a stopping pod keeps serving so that its endpoints are removed before the app drains. */
export const PRE_STOP_SECONDS = 5;
/** Grace period of an app pod: the pre-stop pause, the app's drain (SHUTDOWN_TIMEOUT_MS, 9 s by default) and a margin. */
export const TERMINATION_GRACE_SECONDS = 30;
/** The apps that take load directly and scale with it. */
export const AUTOSCALED_APPS: readonly ServiceName[] = ['gateway', 'ingestion'];

/** Variables of the gateway read from its optional Secret. */
const GATEWAY_SECRET_KEYS = [
  'BOOTSTRAP_ADMIN_KEY',
  'BOOTSTRAP_INTAKE_KEY',
  'BOOTSTRAP_ADMIN_EMAIL',
  'BOOTSTRAP_ADMIN_PASSWORD',
  'AUTH_TOKEN_SECRET',
];

function labels(service: ServiceName, component: 'app' | 'migration'): Record<string, string> {
  return { 'app.kubernetes.io/name': service, 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'leadflow' };
}

function secretEnv(name: string, secret: string, key: string, optional = false) {
  return { name, valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } } };
}

/** The app's environment: shared and own ConfigMaps, then its credentials, assembled into DATABASE_URL. */
function environment(service: ServiceName) {
  return {
    envFrom: [{ configMapRef: { name: PLATFORM_CONFIG } }, { configMapRef: { name: `leadflow-${service}` } }],
    env: [
      secretEnv('DATABASE_PASSWORD', APP_CREDENTIALS_SECRET, databasePasswordKey(service)),
      {
        name: 'DATABASE_URL',
        // $(…) is expanded by Kubernetes from the variables above (the password must be URL-safe).
        value: `postgres://${appRoleName(DEPLOYED_DATABASE, service)}:$(DATABASE_PASSWORD)@$(DATABASE_HOST):5432/${DEPLOYED_DATABASE}`,
      },
      { name: 'NATS_USER', value: service },
      secretEnv('NATS_PASSWORD', APP_CREDENTIALS_SECRET, natsPasswordKey(service)),
      ...(service === 'gateway' ? GATEWAY_SECRET_KEYS.map((key) => secretEnv(key, GATEWAY_SECRET, key, true)) : []),
    ],
  };
}

const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};

function image(service: ServiceName): string {
  // Overlays pin the registry and tag with kustomize's `images:`.
  return `leadflow-${service}:dev`;
}

function appObjects(service: ServiceName): object[] {
  const port = DEFAULT_HTTP_PORTS[service];
  const appLabels = labels(service, 'app');
  const selector = { 'app.kubernetes.io/name': service, 'app.kubernetes.io/component': 'app' };
  const tmp = { volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] };
  const tmpMount = { volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] };

  const config = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `leadflow-${service}`, labels: appLabels },
    // The app's own settings. Its port is not among them: each app listens where its code says
    // (DEFAULT_HTTP_PORTS), and the probes and Service follow the code.
    data: {
      DATABASE_POOL_SIZE: '10',
      ...(service === 'gateway' ? { CORS_ORIGINS: '', INTAKE_TIMEOUT_MS: '3000', INTAKE_GROUPS_IN_FLIGHT: '2' } : {}),
    },
  };

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service, labels: appLabels },
    spec: {
      // An autoscaled app's replicas are the HPA's alone: a count here would reset them on every apply.
      ...(AUTOSCALED_APPS.includes(service) ? {} : { replicas: 2 }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: appLabels,
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': METRICS_PATH },
        },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: POD_SECURITY,
          // Replicas spread over nodes, so that losing one node leaves the app running.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
          ],
          containers: [
            {
              name: service,
              image: image(service),
              args: ['serve'],
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              ...environment(service),
              resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: CONTAINER_SECURITY,
              // Up to 2 minutes to start (migrations run first), then liveness takes over.
              startupProbe: {
                httpGet: { path: HEALTH_PATHS.live, port: 'http' },
                periodSeconds: 2,
                failureThreshold: 60,
                timeoutSeconds: 2,
              },
              livenessProbe: {
                httpGet: { path: HEALTH_PATHS.live, port: 'http' },
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              readinessProbe: {
                httpGet: { path: HEALTH_PATHS.ready, port: 'http' },
                periodSeconds: 5,
                failureThreshold: 2,
                timeoutSeconds: 3,
              },
              // Keep serving while the endpoint is removed everywhere; SIGTERM (via tini) then drains the app.
              lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
              ...tmpMount,
            },
          ],
          ...tmp,
        },
      },
    },
  };

  const serviceObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service, labels: appLabels },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }] },
  };

  const disruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: service, labels: appLabels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };

  const migrationLabels = labels(service, 'migration');
  const migration = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${service}-migrate`,
      labels: migrationLabels,
      annotations: {
        'leadflow.io/description': `Applies the ${service} schema's pending migrations; delete it before applying a new release`,
      },
    },
    spec: {
      backoffLimit: 10,
      // Gone shortly after it finishes, so that the next release's `kubectl apply` creates it anew.
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: migrationLabels },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          securityContext: POD_SECURITY,
          containers: [
            {
              name: 'migrate',
              image: image(service),
              args: ['migrate'],
              ...environment(service),
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: CONTAINER_SECURITY,
              ...tmpMount,
            },
          ],
          ...tmp,
        },
      },
    },
  };

  return [config, deployment, serviceObject, disruptionBudget, migration];
}

function renderApp(service: ServiceName): string {
  const header = [
    `# The ${service} app: its ConfigMap, Deployment, Service, PodDisruptionBudget and migration Job.`,
    '# Generated by `npm run deploy:render` from the code; do not edit (a test compares them).',
    `# Secrets read (never committed): ${APP_CREDENTIALS_SECRET}${service === 'gateway' ? `, ${GATEWAY_SECRET}` : ''}; see the README's Deploy section.`,
  ];
  const documents = appObjects(service).map((object) =>
    stringify(object, { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true }).trimEnd(),
  );
  return `${header.join('\n')}\n${documents.map((document) => `---\n${document}`).join('\n')}\n`;
}

/** Path (from the repository root) → content. */
export function renderAppManifests(): Map<string, string> {
  return new Map(SERVICE_NAMES.map((service) => [`k8s/base/apps/${service}.yaml`, renderApp(service)]));
}
