import {
  DownstreamException,
  ErrorCodes,
  type IngestLeadGroupReply,
  type IngestLeadGroupRequest,
  type IngestLeadReply,
  type IngestLeadRequest,
  RpcSubjects,
} from '@leadflow/contracts';
import { newRequestId } from '@leadflow/logging';
import { RpcClient, toDownstreamException } from '@leadflow/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { GatewayEnv } from '../config/env';

/** Most single-lead requests sent to ingestion in one group. */
export const MAX_GROUP_LEADS = 200;
/**
 * Most encoded body bytes in one group, well under NATS's 1 MiB message limit; a larger body
 * travels alone.
 */
export const MAX_GROUP_BODY_BYTES = 512 * 1024;
/** Room for an item's metadata beside its body when sizing a group. */
const ITEM_OVERHEAD_BYTES = 512;

interface Waiting {
  item: IngestLeadGroupRequest['items'][number];
  resolve: (reply: IngestLeadReply) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for intake: single-lead requests that reach this gateway while the event loop is
 * busy with others are sent to ingestion as one group and stored in one transaction. A lone
 * request goes out on the next turn of the event loop, so grouping adds no waiting; under load,
 * one message and one commit serve many leads. Every request still gets its own answer.
 */
@Injectable()
export class IntakeGroupSender {
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private flushScheduled = false;

  constructor(
    private readonly rpc: RpcClient,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {}

  send(request: IngestLeadRequest, requestId: string | undefined): Promise<IngestLeadReply> {
    return new Promise<IngestLeadReply>((resolve, reject) => {
      const size = request.body.data.length + ITEM_OVERHEAD_BYTES;
      if (this.waiting.length > 0 && this.waitingBytes + size > MAX_GROUP_BODY_BYTES) this.flush();
      this.waiting.push({ item: { ...request, requestId: requestId ?? newRequestId() }, resolve, reject });
      this.waitingBytes += size;
      if (this.waiting.length >= MAX_GROUP_LEADS || this.waitingBytes >= MAX_GROUP_BODY_BYTES) {
        this.flush();
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const group = this.waiting;
    if (group.length === 0) return;
    this.waiting = [];
    this.waitingBytes = 0;
    void this.deliver(group);
  }

  private async deliver(group: Waiting[]): Promise<void> {
    const subject = RpcSubjects.ingestion.leadIngestGroup;
    const timeoutMs = this.env.INTAKE_TIMEOUT_MS;
    let reply: IngestLeadGroupReply;
    try {
      reply = await this.rpc.request<IngestLeadGroupReply>(subject, { items: group.map((w) => w.item) }, { timeoutMs });
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    group.forEach((waiting, index) => {
      const result = reply.results?.[index];
      if (!result) {
        waiting.reject(new DownstreamException(subject, ErrorCodes.unavailable, `${subject} answered without this lead`, 503));
      } else if (result.ok) {
        waiting.resolve(result.reply);
      } else {
        waiting.reject(toDownstreamException(subject, result.error, timeoutMs));
      }
    });
  }
}
