/** HTTP for hostile tests: any bytes as a body, repeated headers, and raw TCP for what a client library refuses to send. */
import http from 'node:http';
import net from 'node:net';

export interface HttpExchange {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  /** Pairs, so that a header can be sent twice; values are sent as latin1, like on the wire. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  timeoutMs?: number;
}

/** One request over node:http, with no Content-Type or other header added beyond what is given (and Host). */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpExchange> {
  const { method = 'POST', headers = [], body, timeoutMs = 30000 } = options;
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    const grouped = new Map<string, string[]>();
    for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
    for (const [name, values] of grouped) request.setHeader(name, values.length === 1 ? values[0] : values);
    // node:http frames a DELETE or OPTIONS body by nothing at all unless told its length.
    if (body !== undefined && !request.hasHeader('content-length') && !request.hasHeader('transfer-encoding')) {
      request.setHeader('Content-Length', Buffer.byteLength(body));
    }
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

export interface RawExchangeOptions {
  /** Close our side after writing (the server then sees the end of the stream). */
  halfClose?: boolean;
  /** How long to wait for the server to close the connection. */
  timeoutMs?: number;
}

/**
 * Writes `bytes` to a fresh connection and parses every response the server sends before it closes
 * the connection or `timeoutMs` passes. For requests node:http will not produce: broken framing,
 * control characters in headers, unknown methods.
 */
export function rawExchange(port: number, bytes: Buffer, options: RawExchangeOptions = {}): Promise<HttpExchange[]> {
  const { halfClose = false, timeoutMs = 3000 } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: halfClose });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server may reset a connection it has answered; what it sent still counts.
      if (error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(bytes, () => {
      if (halfClose) socket.end();
    });
  });
}

/** HTTP/1.1 responses back to back: Content-Length, chunked, or to the end of the stream. */
export function parseResponses(data: Buffer): HttpExchange[] {
  const responses: HttpExchange[] = [];
  let offset = 0;
  while (offset < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', offset);
    if (headEnd < 0)
      throw new Error(`unparseable response bytes: ${JSON.stringify(data.subarray(offset).toString('latin1').slice(0, 200))}`);
    const [statusLine, ...headerLines] = data.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!status) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const headers: http.IncomingHttpHeaders = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    offset = headEnd + 4;
    let body: Buffer;
    if (headers['content-length'] !== undefined) {
      body = data.subarray(offset, offset + Number(headers['content-length']));
      offset += body.length;
    } else if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = data.indexOf('\r\n', offset);
        const size = parseInt(data.subarray(offset, sizeEnd).toString('latin1'), 16);
        offset = sizeEnd + 2;
        if (!size) break;
        parts.push(data.subarray(offset, offset + size));
        offset += size + 2;
      }
      offset += 2;
      body = Buffer.concat(parts);
    } else {
      body = data.subarray(offset);
      offset = data.length;
    }
    responses.push({ status: Number(status[1]), headers, body });
  }
  return responses;
}

/**
 * A request as bytes: the request line, the headers in the order given (a string is sent as a whole
 * line, so it may be malformed; no Host unless given), `Connection: close`, a blank line, the body.
 */
export function rawRequest(requestLine: string, headers: Array<[string, string] | string>, body: Buffer | string = ''): Buffer {
  const lines = headers.map((header) => (typeof header === 'string' ? header : `${header[0]}: ${header[1]}`));
  const head = [requestLine, ...lines, 'Connection: close', '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}
