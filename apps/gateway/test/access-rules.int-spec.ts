import { loadEnv } from '@leadflow/config';
import { createLogger } from '@leadflow/logging';
import { createServiceApp } from '@leadflow/runtime';
import {
  createTestDatabase,
  deleteNamespaceStreams,
  findFreePort,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
} from '@leadflow/testing';
import { Controller, Get, Module, Post, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { v7 as uuidv7 } from 'uuid';
import { ACCESS_RULE, type AccessRule, isPlatformPublicRoute } from '../src/auth/access-rules';
import { GatewayEnv } from '../src/config/env';
import { gatewayDefinition } from '../src/gateway.definition';

const ADMIN_KEY = 'lf_test_rules-int-admin-key-000000000';
const INTAKE_KEY = 'lf_test_rules-int-intake-key-00000000';
const OWNER = { email: 'owner@example.com', password: 'owner-password-1234' };

/** A route that forgot its access rule, as a new handler might: only this test registers it. */
@Controller('test-only')
class RuleLessController {
  @Get('forgotten')
  forgotten(): { leaked: true } {
    return { leaked: true };
  }

  @Post('forgotten')
  forgottenWrite(): { leaked: true } {
    return { leaked: true };
  }
}

@Module({ imports: [DiscoveryModule], controllers: [RuleLessController] })
class RuleLessRouteModule {}

interface Route {
  method: string;
  path: string;
  handler: string;
  rule: AccessRule | undefined;
}

/** Every HTTP handler of the running app, with the rule it declares (read as the guard reads it). */
function httpRoutes(app: NestFastifyApplication): Route[] {
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  return app
    .get(DiscoveryService)
    .getControllers()
    .flatMap(({ metatype, instance }) => {
      if (!metatype || !instance) return [];
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
      return scanner.getAllMethodNames(prototype).flatMap((name): Route[] => {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) return []; // a NATS handler, not an HTTP route
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        return [
          {
            method,
            path: `/${[base, path].join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1'),
            handler: `${metatype.name}.${name}`,
            rule: reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, metatype]),
          },
        ];
      });
    });
}

/**
 * Deny by default, checked at the source: every handler of the gateway declares who may call it
 * (a scope, or public), a handler that declares nothing is refused to every credential, and every
 * route that needs a credential answers 401 without one. The gateway runs in-process with one
 * extra module holding a rule-less route.
 */
describe('gateway: access rules', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let namespace: string;
  let base: string;
  let routes: Route[];

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(`${base}${path}`, { method, headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    db = await createTestDatabase('gateway');
    namespace = uniqueNamespace();
    const port = await findFreePort();
    const env = loadEnv(GatewayEnv, {
      DATABASE_URL: await db.appUrl('gateway'),
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      HTTP_PORT: String(port),
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      BOOTSTRAP_INTAKE_KEY: INTAKE_KEY,
      BOOTSTRAP_ADMIN_EMAIL: OWNER.email,
      BOOTSTRAP_ADMIN_PASSWORD: OWNER.password,
      AUTH_TOKEN_SECRET: 'rules-int-token-secret-00000000000000000',
    });
    ({ app } = await createServiceApp(gatewayDefinition, env, createLogger('gateway', 'silent'), [RuleLessRouteModule]));
    await app.init();
    await app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    routes = httpRoutes(app);
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespaceStreams(namespace);
    await db?.drop();
  });

  it('finds a declared rule on every handler of the gateway: a scope, or public', () => {
    const gatewayRoutes = routes.filter((route) => !route.handler.startsWith('RuleLessController.'));
    expect(gatewayRoutes.length).toBeGreaterThan(25);
    // Only the probes and metrics every app serves (declared in the platform libraries) go by path.
    expect(gatewayRoutes.filter((route) => !route.rule && !isPlatformPublicRoute(route.path)).map((route) => route.handler)).toEqual([]);
    expect(
      routes
        .filter((route) => route.rule && 'public' in route.rule)
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    ).toEqual(['GET /health', 'POST /api/v1/auth/login', 'POST /api/v1/auth/refresh', 'POST /api/v1/webhooks/:integrationId']);
    // The test's own route is seen too, and seen without a rule.
    expect(routes.filter((route) => route.handler.startsWith('RuleLessController.')).map((route) => route.rule)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('refuses a route without a rule to every credential: admin key, intake key and signed-in owner', async () => {
    const signIn = await call('POST', '/api/v1/auth/login', {}, JSON.stringify(OWNER));
    expect(signIn.status).toBe(200);
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    const credentials: Record<string, Record<string, string>> = {
      none: {},
      'admin key': { Authorization: `Bearer ${ADMIN_KEY}` },
      'intake key': { 'X-Api-Key': INTAKE_KEY },
      'owner token': { Authorization: `Bearer ${accessToken}` },
    };
    const answers: Record<string, Array<[number, unknown]>> = {};
    for (const [name, headers] of Object.entries(credentials)) {
      answers[name] = await Promise.all(
        [call('GET', '/test-only/forgotten', headers), call('POST', '/test-only/forgotten', headers, '{}')].map(
          async (pending): Promise<[number, unknown]> => {
            const response = await pending;
            return [response.status, await response.json()];
          },
        ),
      );
    }
    const refused = (status: number, code: string) => [
      status,
      { error: { code, message: expect.any(String), requestId: expect.any(String) } },
    ];
    expect(answers).toEqual({
      none: [refused(401, 'unauthorized'), refused(401, 'unauthorized')],
      'admin key': [refused(403, 'forbidden'), refused(403, 'forbidden')],
      'intake key': [refused(403, 'forbidden'), refused(403, 'forbidden')],
      'owner token': [refused(403, 'forbidden'), refused(403, 'forbidden')],
    });
  });

  it('answers 401 without a credential on every route that declares a scope', async () => {
    const answers: string[] = [];
    for (const route of routes.filter((candidate) => candidate.rule && 'scope' in candidate.rule)) {
      // Parameters get well-formed values, so that nothing but the credential can refuse the call.
      const path = route.path.replace(/:(\w+)/g, (_match, name: string) =>
        name === 'id' && route.path.includes('workspaces') ? 'default' : uuidv7(),
      );
      const response = await call(route.method, path, {}, ['GET', 'DELETE'].includes(route.method) ? undefined : '{}');
      answers.push(`${route.method} ${route.path} → ${response.status}`);
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((answer) => !answer.endsWith('→ 401'))).toEqual([]);
  });
});
