import type { BatchItemResult } from '@leadflow/contracts';
import { httpStatusOf } from '@leadflow/runtime';

/** What a batch sender reads for one item: the outcome, with the HTTP status its code maps to. */
export type BatchItemAnswer =
  | { index: number; status: 201; id: string; receivedAt: string; replayed: boolean }
  | { index: number; status: number; error: { code: string; message: string } };

/** Ingestion answers each item in codes; senders read statuses (201, 400, 422), in this field order. */
export function batchItemAnswer(result: BatchItemResult): BatchItemAnswer {
  if (result.ok) return { index: result.index, status: 201, id: result.id, receivedAt: result.receivedAt, replayed: result.replayed };
  const { code, message } = result.error;
  return { index: result.index, status: httpStatusOf(code), error: { code, message } };
}
