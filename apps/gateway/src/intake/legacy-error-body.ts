import type { RpcErrorBody } from '@leadflow/contracts';
import { LEGACY_INTAKE_ROUTE } from './legacy-intake.controller';

/** Existing senders of `POST /api/lead` read `{"ok":false,"error":"<code>"}` and nothing else. */
export function legacyErrorBody(route: string | undefined, error: RpcErrorBody): object | undefined {
  return route === LEGACY_INTAKE_ROUTE ? { ok: false, error: error.code } : undefined;
}
