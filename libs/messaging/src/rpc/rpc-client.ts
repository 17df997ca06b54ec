import { DownstreamException, ErrorCodes, isRpcErrorBody } from '@leadflow/contracts';
import { currentRequestId, newRequestId, REQUEST_ID_HEADER } from '@leadflow/logging';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode, headers, NatsError } from 'nats';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../messaging-options';
import { NamespacedNatsClient } from './namespaced-nats.transport';

export const RPC_TRANSPORT_CLIENT = Symbol('RPC_TRANSPORT_CLIENT');

export interface RequestOptions {
  timeoutMs?: number;
}

/** Maps whatever a request failed with to a typed exception; nothing becomes an opaque 500. */
export function toDownstreamException(subject: string, error: unknown, timeoutMs: number): DownstreamException {
  if (error instanceof DownstreamException) return error;
  if (error instanceof NatsError && error.code === ErrorCode.Timeout) {
    return new DownstreamException(subject, ErrorCodes.unavailable, `${subject} did not answer within ${timeoutMs} ms`);
  }
  if (isRpcErrorBody(error)) return new DownstreamException(subject, error.code, error.message);
  return new DownstreamException(subject, ErrorCodes.unavailable, `${subject} could not be reached`);
}

/** Request/reply over NATS with a deadline, the caller's request id in the headers, and typed errors. */
@Injectable()
export class RpcClient implements OnApplicationShutdown {
  constructor(
    @Inject(RPC_TRANSPORT_CLIENT) private readonly client: NamespacedNatsClient,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  async request<TReply, TPayload = unknown>(subject: string, payload: TPayload, options: RequestOptions = {}): Promise<TReply> {
    const timeoutMs = options.timeoutMs ?? this.options.rpcTimeoutMs;
    if (this.client.isDisconnected) {
      throw new DownstreamException(subject, ErrorCodes.unavailable, 'the message bus is unreachable');
    }
    const requestHeaders = headers();
    requestHeaders.set(REQUEST_ID_HEADER, currentRequestId() ?? newRequestId());
    try {
      return (await this.client.request(subject, payload, requestHeaders, timeoutMs)) as TReply;
    } catch (error) {
      throw toDownstreamException(subject, error, timeoutMs);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
