/** Email addresses as leads send them: kept even when wrong, flagged when they cannot be delivered to. */
import { domainToASCII } from 'node:url';

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;

// RFC 5322 dot-atom (already lower-cased). Quoted local parts are legal but never seen in real leads.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const NUMERIC = /^[0-9]+$/;

/** Trimmed and lower-cased, with a structural check (no DNS lookup). */
export function normalizeEmail(input: string): { email: string; valid: boolean } {
  const email = input.trim().toLowerCase();
  return { email, valid: isDeliverableShape(email) };
}

function isDeliverableShape(email: string): boolean {
  if (email.length > MAX_EMAIL_LENGTH) return false;
  const parts = email.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts;
  return local.length <= MAX_LOCAL_PART_LENGTH && LOCAL_PART.test(local) && isHostname(domain);
}

/** Internationalized domains are checked in their punycode form, as mail servers see them. */
function isHostname(domain: string): boolean {
  const ascii = /^[\x21-\x7e]*$/.test(domain) ? domain : domainToASCII(domain);
  const labels = ascii.split('.');
  // A numeric top-level label means an IP address, which leads never legitimately use.
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !NUMERIC.test(labels[labels.length - 1]);
}
