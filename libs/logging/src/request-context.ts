import { AsyncLocalStorage } from 'node:async_hooks';
import { v7 as uuidv7 } from 'uuid';

export const REQUEST_ID_HEADER = 'x-request-id';

interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The request id of the HTTP request, RPC call or event being handled, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

export function newRequestId(): string {
  return uuidv7();
}

const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A caller-supplied request id is kept when it is short and printable; anything else is replaced,
 * so that log lines and headers never carry hostile content.
 */
export function acceptRequestId(candidate: unknown): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  return typeof value === 'string' && ACCEPTABLE_REQUEST_ID.test(value) ? value : newRequestId();
}
