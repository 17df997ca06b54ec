import { HEALTH_PATHS, METRICS_PATH, NatsNamespace, type ServiceEnvReport, type ServiceName } from '@leadflow/contracts';
import { EnvValidationError, loadEnv, type PlatformEnv, requiredInProduction } from '@leadflow/config';
import { migrateSchema, schemaDataSourceOptions } from '@leadflow/database';
import {
  acceptRequestId,
  AppLoggerModule,
  createLogger,
  type Logger,
  PinoNestLogger,
  REQUEST_ID_HEADER,
  runWithRequestId,
} from '@leadflow/logging';
import { NamespacedNatsServer, natsClientOptions } from '@leadflow/messaging';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource, type MixedList } from 'typeorm';
import { AppExceptionFilter, type ErrorBodyRenderer } from './app-exception.filter';
import { AppValidationPipe } from './app-validation.pipe';
import { HttpMetrics } from './metrics';
import { appDatabaseOptions } from './platform.module';
import { cacheValidationMetadata } from './validation-metadata-cache';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServiceDefinition<E extends PlatformEnv> {
  service: ServiceName;
  /** The app's environment class (`config/env.ts`). */
  envClass: new () => E;
  /** Every migration of the app's schema, oldest first (`main.js migrate` runs them alone). */
  // TypeORM's own list type of migration classes.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** The app's root module for a validated environment. */
  rootModule(env: E): DynamicModule;
  /**
   * HTTP set-up before the app initialises: content-type parsers, OpenAPI. When given, Nest's own
   * body parsers stay off and the app registers the ones it needs.
   */
  configureHttp?(app: NestFastifyApplication, env: E): void | Promise<void>;
  /** Error bodies of routes whose senders expect another shape than `{ error: {...} }`. */
  errorBody?: ErrorBodyRenderer;
  /** See `AppValidationOptions.strictBodies`: for an app whose HTTP API takes JSON bodies. */
  strictBodies?: boolean;
}

/** Reads the environment or stops with a message naming every bad variable. */
export function loadEnvOrExit<E extends PlatformEnv>(service: string, envClass: new () => E): E {
  try {
    return loadEnv(envClass);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    process.stderr.write(`${service}: cannot start. ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

const QUIET_ROUTES = new Set<string>([HEALTH_PATHS.live, HEALTH_PATHS.ready, METRICS_PATH]);

/** Request id in (or generated), echoed back, carried by the async context; one log line per request. */
function instrumentHttp(fastify: FastifyInstance, logger: Logger, metrics: HttpMetrics): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    runWithRequestId(request.id, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.duration.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    if (!QUIET_ROUTES.has(route)) {
      logger.info(
        { requestId: request.id, method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
    done();
  });
}

/** What `node main.js [command]` can do; without a command the app serves. */
export const SERVICE_COMMANDS = {
  serve: 'run the app (the default)',
  migrate: "apply the pending migrations of the app's schema, then exit (deployments run it as a Job)",
  'check-env': 'validate the environment as the app would at start and print what deployments must match, as JSON',
} as const;

/** Runs the command named on the command line (see `SERVICE_COMMANDS`). */
export async function runService<E extends PlatformEnv>(definition: ServiceDefinition<E>): Promise<void> {
  const command = process.argv[2] ?? 'serve';
  switch (command) {
    case 'serve':
      return serve(definition);
    case 'migrate':
      return migrate(definition);
    case 'check-env':
      return checkEnv(definition);
    default: {
      const usage = Object.entries(SERVICE_COMMANDS).map(([name, what]) => `  ${name.padEnd(10)} ${what}`);
      process.stderr.write(`${definition.service}: unknown command ${JSON.stringify(command)}. Commands:\n${usage.join('\n')}\n`);
      process.exit(64); // EX_USAGE
    }
  }
}

function checkEnv<E extends PlatformEnv>(definition: ServiceDefinition<E>): void {
  const env = loadEnvOrExit(definition.service, definition.envClass);
  const report: ServiceEnvReport = {
    service: definition.service,
    httpPort: env.HTTP_PORT,
    healthPaths: HEALTH_PATHS,
    requiredInProduction: requiredInProduction(definition.envClass),
    natsUser: env.NATS_USER,
    databaseUser: decodeURIComponent(new URL(env.DATABASE_URL).username),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function migrate<E extends PlatformEnv>(definition: ServiceDefinition<E>): Promise<void> {
  const { service } = definition;
  const env = loadEnvOrExit(service, definition.envClass);
  const logger = createLogger(service, env.LOG_LEVEL);
  const dataSource = new DataSource(
    // One connection holds the migration lock while another runs the migrations.
    schemaDataSourceOptions({
      ...appDatabaseOptions(service, env, definition.migrations),
      poolSize: 2,
      applicationName: `leadflow-${service}-migrate`,
    }),
  );
  try {
    await dataSource.initialize();
    const applied = await migrateSchema(dataSource);
    logger.info({ schema: service, applied }, applied.length > 0 ? `applied ${applied.length} migrations` : 'schema up to date');
    await dataSource.destroy();
    logger.flush();
    process.exit(0);
  } catch (error) {
    logger.fatal({ err: error, schema: service }, 'migration failed');
    await dataSource.destroy().catch(() => undefined);
    logger.flush();
    process.exit(1);
  }
}

export interface ServiceApp {
  app: NestFastifyApplication;
  rpcServer: NamespacedNatsServer;
}

/**
 * One app as `serve` runs it (HTTP adapter, filters, pipes, NATS microservice), not yet
 * initialised. `imports` adds modules beside the app's own: tests use it to add routes of their own.
 */
export async function createServiceApp<E extends PlatformEnv>(
  definition: ServiceDefinition<E>,
  env: E,
  logger: Logger,
  imports: DynamicModule['imports'] = [],
): Promise<ServiceApp> {
  const { service } = definition;
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => acceptRequestId(request.headers[REQUEST_ID_HEADER]),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Long path parameters reach the route's own validation (a clear 400) instead of a router 414.
    routerOptions: { maxParamLength: 8192 },
    frameworkErrors: (_error: Error, request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .status(400)
        .header(REQUEST_ID_HEADER, request.id)
        .send({ error: { code: 'invalid_request', message: 'The request URL or headers could not be read', requestId: request.id } });
    },
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return socket.destroy(error);
      const status = (error as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({
        error: { code: status === 431 ? 'headers_too_large' : 'invalid_request', message: 'The HTTP request could not be parsed' },
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });

  @Module({ imports: [AppLoggerModule.forRoot(logger), definition.rootModule(env), ...imports] })
  class ServiceRootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    bodyParser: !definition.configureHttp,
  });
  await definition.configureHttp?.(app, env);

  instrumentHttp(app.getHttpAdapter().getInstance(), logger, app.get(HttpMetrics));
  app.useGlobalFilters(new AppExceptionFilter(logger, definition.errorBody));
  app.useGlobalPipes(new AppValidationPipe({ strictBodies: definition.strictBodies }));

  const namespace = new NatsNamespace(env.NATS_NAMESPACE);
  const rpcServer = new NamespacedNatsServer(
    {
      ...natsClientOptions(
        { natsUrl: env.NATS_URL, namespace: env.NATS_NAMESPACE, service, natsUser: env.NATS_USER, natsPassword: env.NATS_PASSWORD },
        `${service}-rpc-server-${process.pid}`,
      ),
      queue: namespace.queue(service),
    },
    namespace,
    logger,
  );
  app.connectMicroservice({ strategy: rpcServer }, { inheritAppConfig: true });
  return { app, rpcServer };
}

/**
 * Starts one app: HTTP (Fastify) for probes, metrics and, for the gateway, the public API, plus a
 * NATS microservice in the app's queue group. SIGTERM/SIGINT stop intake first, let work in flight
 * finish, flush the outbox, close connections, and exit 0 (or 1 if that takes too long).
 */
async function serve<E extends PlatformEnv>(definition: ServiceDefinition<E>): Promise<void> {
  const started = Date.now();
  const { service } = definition;
  const env = loadEnvOrExit(service, definition.envClass);
  const logger = createLogger(service, env.LOG_LEVEL);
  cacheValidationMetadata();
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  let app: NestFastifyApplication;
  let rpcServer: NamespacedNatsServer;
  try {
    ({ app, rpcServer } = await createServiceApp(definition, env, logger));
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }

  try {
    await app.init();
    await app.startAllMicroservices();
    await app.listen({ port: env.HTTP_PORT, host: env.HTTP_HOST });
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  logger.info({ port: env.HTTP_PORT, namespace: env.NATS_NAMESPACE || undefined, startupMs: Date.now() - started }, `${service} started`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const stopStarted = Date.now();
    logger.info({ signal }, 'shutting down');
    const watchdog = setTimeout(() => {
      logger.error({ timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'graceful shutdown took too long; exiting');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    watchdog.unref();
    try {
      // Intake first (HTTP and RPC), so that nothing new writes to the outbox after its final flush.
      await Promise.all([rpcServer.close(), app.getHttpAdapter().getInstance().close()]);
      await app.close();
      logger.info({ ms: Date.now() - stopStarted }, 'stopped');
      logger.flush();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
