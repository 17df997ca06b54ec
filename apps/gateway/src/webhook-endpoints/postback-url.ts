import { AppException, ErrorCodes } from '@leadflow/contracts';
import { parseWebhookUrl } from './webhook-target';

/** The values a postback URL template may carry, as `{name}`, each URL-encoded when expanded. */
export const POSTBACK_PLACEHOLDERS = [
  'event',
  'stage',
  'from_stage',
  'lead_id',
  'contact_id',
  'click_id',
  'source',
  'offer',
  'occurred_at',
] as const;
export type PostbackValues = Partial<Record<(typeof POSTBACK_PLACEHOLDERS)[number], string | null>>;

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/**
 * Checks a postback template: an http(s) URL once its placeholders are filled, placeholders only
 * among POSTBACK_PLACEHOLDERS and never in the scheme or host (the host is checked as it is).
 * Answers the template's URL with the placeholders left out, for the address check.
 */
export function checkPostbackTemplate(template: string): URL {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(POSTBACK_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
      throw new AppException(
        ErrorCodes.validationFailed,
        `postbackUrl: {${name}} is not one of ${POSTBACK_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
    }
  }
  const filled = template.replace(PLACEHOLDER, 'x');
  const url = parseWebhookUrl(filled);
  const rest = template.slice(template.indexOf('//') + 2);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  if (template.slice(0, template.indexOf('//')).includes('{') || authority.includes('{'))
    throw new AppException(ErrorCodes.validationFailed, 'postbackUrl: placeholders belong in the path or the query, not the host');
  return url;
}

/** The template with each placeholder replaced by its value, URL-encoded (empty when absent). */
export function expandPostbackUrl(template: string, values: PostbackValues): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => encodeURIComponent(values[name as keyof PostbackValues] ?? ''));
}
