/** The generator's settings, from its command-line flags. */
import { INTEGRATION_KINDS, type IntegrationKind, isUuid } from '@leadflow/contracts';
import { parseArgs } from 'node:util';

export interface CrmEventsOptions {
  count: number;
  integrationId: string;
  secret: string;
  kind: IntegrationKind;
  /** The gateway's base URL. */
  url: string;
  seed: number;
  /** Webhooks in flight at once. */
  concurrency: number;
  duplicateRate: number;
  outOfOrderRate: number;
  help: boolean;
}

export const USAGE = `usage: npm run generate:crm-events -- --integration <id> --secret <secret> [options]
  --count <n>           webhooks to send, resends included           (default 1000)
  --integration <id>    the integration's id (POST /api/v1/webhooks/<id>)
  --secret <secret>     the integration's signing secret
  --kind <kind>         ${INTEGRATION_KINDS.join(', ')}: the signature scheme (default standard)
  --url <url>           the gateway                                   (default http://127.0.0.1:3000)
  --seed <n>            the same seed sends the same events           (default: the time)
  --concurrency <n>     webhooks in flight at once                    (default 8)
  --duplicates <share>  share of resends of an earlier webhook        (default 0.1)
  --out-of-order <share> share of events sent after a newer one of their record (default 0.2)`;

export class OptionsError extends Error {}

function number(name: string, text: string | undefined, fallback: number, check: (n: number) => boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new OptionsError(`--${name} ${text} is not allowed`);
  return value;
}

export function parseCrmEventsOptions(args: string[], now: () => number = Date.now): CrmEventsOptions {
  const { values } = parseArgs({
    args,
    options: {
      count: { type: 'string' },
      integration: { type: 'string' },
      secret: { type: 'string' },
      kind: { type: 'string' },
      url: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      duplicates: { type: 'string' },
      'out-of-order': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const help = values.help ?? false;
  const kind = values.kind ?? 'standard';
  if (!(INTEGRATION_KINDS as readonly string[]).includes(kind))
    throw new OptionsError(`--kind must be one of ${INTEGRATION_KINDS.join(', ')}`);
  const integrationId = (values.integration ?? '').toLowerCase();
  if (!help && !isUuid(integrationId)) throw new OptionsError('--integration must be the id of an integration (a UUID)');
  if (!help && !values.secret) throw new OptionsError("--secret is required: the integration's signing secret");
  const share = (n: number) => n >= 0 && n < 1;
  return {
    count: number('count', values.count, 1000, (n) => Number.isInteger(n) && n > 0),
    integrationId,
    secret: values.secret ?? '',
    kind: kind as IntegrationKind,
    url: (values.url ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    seed: number('seed', values.seed, now() % 2_147_483_647, Number.isInteger),
    concurrency: number('concurrency', values.concurrency, 8, (n) => Number.isInteger(n) && n > 0 && n <= 256),
    duplicateRate: number('duplicates', values.duplicates, 0.1, share),
    outOfOrderRate: number('out-of-order', values['out-of-order'], 0.2, share),
    help,
  };
}
