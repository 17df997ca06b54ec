import type { EncodedBody } from '@leadflow/contracts';
import { isUtf8 } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';

/** Bodies above this size travel compressed: a NATS message, like intake, is capped at 1 MiB. */
const COMPRESS_ABOVE_BYTES = 128 * 1024;
/** A decoded body never exceeds this, whatever a compressed message claims. */
const MAX_DECODED_BYTES = 2 * 1024 * 1024;

/** Packs request bytes for a request/reply message. */
export function encodeBody(bytes: Buffer): EncodedBody {
  if (bytes.length <= COMPRESS_ABOVE_BYTES) {
    // Most bodies are valid UTF-8, which decodes to text and back to the same bytes, and travel as
    // text; anything else is compressed, which is lossless.
    if (isUtf8(bytes)) return { encoding: 'utf8', data: bytes.toString('utf8') };
  }
  return { encoding: 'gzip+base64', data: gzipSync(bytes).toString('base64') };
}

/** Unpacks what `encodeBody` packed; throws on anything malformed. */
export function decodeBody(body: EncodedBody): Buffer {
  if (body.encoding === 'utf8') return Buffer.from(body.data, 'utf8');
  if (body.encoding === 'gzip+base64') return gunzipSync(Buffer.from(body.data, 'base64'), { maxOutputLength: MAX_DECODED_BYTES });
  throw new Error(`unknown body encoding ${String((body as { encoding: unknown }).encoding)}`);
}
