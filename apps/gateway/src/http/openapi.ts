import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';

const TAGS: Array<[string, string]> = [
  ['intake', 'Sending leads: stored before they are acknowledged; retry with the same Idempotency-Key'],
  ['events', 'Activity events from trackers (ours, and Segment-compatible /v1 routes): stored before they are acknowledged'],
  ['admin: leads', 'Leads as received and normalized'],
  ['admin: contacts', 'Contacts: people de-duplicated by email and phone, with their scores'],
  ['admin: metrics', 'Lead counts by source, day and week'],
  ['workspaces', "The caller's workspaces, their API keys and admins"],
  ['audit', 'Who changed what in a workspace'],
  ['auth', 'Admin sign-in: access and refresh tokens'],
  ['platform', 'Whether the gateway and the apps behind it are up'],
];

/**
 * The OpenAPI document of the gateway's own API (the controllers of `modules`; the probes and
 * metrics every app serves are described in docs/), with its UI at /docs.
 */
export function setUpOpenApi(app: NestFastifyApplication, version: string, modules: Array<Type<unknown>>): void {
  const builder = new DocumentBuilder()
    .setTitle('LeadFlow')
    .setDescription(
      'Lead intake and the admin API. Intake stores every lead before it answers; retry with the same Idempotency-Key. ' +
        'Every route but health, sign-in and these docs needs a credential: an API key, sent as X-Api-Key: <key> or ' +
        'Authorization: Bearer <key>, or an admin access token as Authorization: Bearer <token>. ' +
        'Intake needs the intake scope, admin reads admin:read, admin changes admin:write.',
    )
    .setVersion(version)
    .addServer('/', 'The gateway serving this document')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'apiKey')
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'Segment-style: the write key (a LeadFlow key) as the user, no password' },
      'basicWriteKey',
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { include: modules });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${DOCS_PATH}/openapi.yaml`,
  });
}
