import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';

/** The OpenAPI document, generated from the controllers and DTOs, with its UI at /docs. */
export function setUpOpenApi(app: NestFastifyApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('LeadFlow')
    .setDescription(
      'Lead intake and the admin API. Intake stores every lead before it answers; retry with the same Idempotency-Key. ' +
        'Every route but health and these docs needs an API key, sent as X-Api-Key: <key> or Authorization: Bearer <key>: ' +
        'intake needs the intake scope, admin reads admin:read, admin changes admin:write.',
    )
    .setVersion(version)
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'apiKey')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${DOCS_PATH}/openapi.yaml`,
  });
}
