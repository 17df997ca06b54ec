/**
 * `npm run generate:crm-events -- --count 1000 --integration <id> --secret <secret>`: realistic,
 * signed CRM webhooks through the real endpoint `POST /api/v1/webhooks/:integrationId`, contacts
 * first, then opportunities of those contacts, with resends (the same webhook id), late events
 * (older than an event of their record sent before) and events out of order (see
 * libs/testing crm-webhooks.ts, which also says the state LeadFlow must end in). A sender's
 * retries are made on 429, 5xx and lost connections (the same webhook, signed anew). Prints what
 * it sent and the answers; exits 1 when a webhook was refused or never answered.
 */
import { planCrmWebhooks, sendCrmWebhooks } from '@leadflow/testing';
import { type CrmEventsOptions, OptionsError, parseCrmEventsOptions, USAGE } from './options';

function line(counts: Map<string, number> | Record<string, number | undefined>): string {
  const entries = counts instanceof Map ? [...counts.entries()] : Object.entries(counts);
  return entries
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, n]) => `${key} ${n ?? 0}`)
    .join(', ');
}

async function main(): Promise<number> {
  let options: CrmEventsOptions;
  try {
    options = parseCrmEventsOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return error instanceof OptionsError || error instanceof TypeError ? 2 : 1;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const url = `${options.url}/api/v1/webhooks/${options.integrationId}`;
  const plan = planCrmWebhooks({
    count: options.count,
    seed: options.seed,
    duplicateRate: options.duplicateRate,
    outOfOrderRate: options.outOfOrderRate,
  });
  const started = Date.now();
  const { statuses, retried } = await sendCrmWebhooks(plan.webhooks, {
    url,
    kind: options.kind,
    secret: options.secret,
    concurrency: options.concurrency,
  });
  const seconds = (Date.now() - started) / 1000;
  const { counts, expected } = plan;
  process.stdout.write(
    [
      `sent ${counts.total} ${options.kind} webhooks to ${url} in ${seconds.toFixed(1)} s (seed ${options.seed})`,
      `  by type:      ${line(counts.byType)}`,
      `  duplicates:   ${counts.duplicates} (an earlier webhook resent, same id and body)`,
      `  out of order: ${counts.outOfOrder} (sent after a newer event of the same record: to be skipped as stale)`,
      `  answers:      ${line(statuses)}${retried > 0 ? ` (${retried} webhooks needed retries)` : ''}`,
      `  expected:     ${expected.contacts.filter((c) => !c.deleted).length} live contacts, ` +
        `${expected.contacts.filter((c) => c.deleted).length} deleted, ${expected.opportunities.length} opportunities`,
      '',
    ].join('\n'),
  );
  const failed = [...statuses.entries()].filter(([status]) => !/^2\d\d$|^409$/.test(status)).reduce((sum, [, n]) => sum + n, 0);
  return failed > 0 ? 1 : 0;
}

void main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
