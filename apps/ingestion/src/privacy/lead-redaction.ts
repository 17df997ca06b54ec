import type { NormalizedLead, ParseIssue } from '@leadflow/contracts';
import { hash } from 'node:crypto';

/**
 * What a redacted lead keeps: ids, times, its source and the campaign dimensions reports are broken
 * down by (country, language, offer, creo, domain, marker, sourcetype), whether its email and phone
 * were valid, and the sha256 of the bytes it arrived with (the zero-loss audit's proof). Names,
 * email, phone, IP, click id, free text, unknown fields, the payload, the headers and the remote
 * address go; parse issues keep their field and reason, not the value.
 *
 * `ErasureRepository.redactLeads` applies the same rule in SQL to leads already stored.
 */
export function redactedNormalized(normalized: NormalizedLead): NormalizedLead {
  return {
    ...normalized,
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    ip: null,
    clickId: null,
    description: null,
    extra: {},
    issues: normalized.issues.map(({ field, reason }): ParseIssue => ({ field, reason })),
  };
}

export function sha256Hex(bytes: Buffer): string {
  return hash('sha256', bytes, 'hex');
}
