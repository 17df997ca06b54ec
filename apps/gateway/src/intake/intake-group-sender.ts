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
  size: number;
  /** When the request's intake deadline passes (epoch ms). */
  deadline: number;
  resolve: (reply: IngestLeadReply) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for intake: single-lead requests that reach this gateway while the event loop is
 * busy with others, or while a group is already out (a further one, up to INTAKE_GROUPS_IN_FLIGHT,
 * leaves only once INTAKE_OVERLAP_MIN_LEADS requests wait), are sent to ingestion as one group and
 * stored in one transaction. A lone request goes out on the next turn of the event loop, so
 * grouping adds no waiting; under load, one message and one commit serve many leads.
 * Every request still gets its own answer, within its own intake deadline (INTAKE_TIMEOUT_MS from
 * its arrival, time spent waiting for a group included).
 */
@Injectable()
export class IntakeGroupSender {
  private readonly waiting: Waiting[] = [];
  private flushScheduled = false;
  private inFlight = 0;

  constructor(
    private readonly rpc: RpcClient,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {}

  send(request: IngestLeadRequest, requestId: string | undefined): Promise<IngestLeadReply> {
    return new Promise<IngestLeadReply>((resolve, reject) => {
      this.waiting.push({
        item: { ...request, requestId: requestId ?? newRequestId() },
        size: request.body.data.length + ITEM_OVERHEAD_BYTES,
        deadline: Date.now() + this.env.INTAKE_TIMEOUT_MS,
        resolve,
        reject,
      });
      if (this.waiting.length >= MAX_GROUP_LEADS) {
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

  /**
   * Sends waiting requests, a group per free slot (beside a group already out, only one of
   * INTAKE_OVERLAP_MIN_LEADS or more); what does not leave waits for the next answer.
   */
  private flush(): void {
    while (this.inFlight < this.env.INTAKE_GROUPS_IN_FLIGHT) {
      if (this.inFlight > 0 && this.waiting.length < this.env.INTAKE_OVERLAP_MIN_LEADS) return;
      const group = this.nextGroup();
      if (group.length === 0) return;
      this.inFlight += 1;
      void this.deliver(group).finally(() => {
        this.inFlight -= 1;
        this.flush();
      });
    }
  }

  /** The oldest waiting requests that fit in one group; those past their deadline answered 503. */
  private nextGroup(): Waiting[] {
    const now = Date.now();
    const group: Waiting[] = [];
    let bytes = 0;
    while (this.waiting.length > 0 && group.length < MAX_GROUP_LEADS) {
      const next = this.waiting[0] as Waiting;
      if (next.deadline <= now) {
        this.waiting.shift();
        next.reject(unavailable('ingestion did not take the lead in time'));
        continue;
      }
      if (group.length > 0 && bytes + next.size > MAX_GROUP_BODY_BYTES) break;
      this.waiting.shift();
      group.push(next);
      bytes += next.size;
    }
    return group;
  }

  private async deliver(group: Waiting[]): Promise<void> {
    const subject = RpcSubjects.ingestion.leadIngestGroup;
    // The group's deadline is its most urgent request's.
    const timeoutMs = Math.max(1, Math.min(...group.map((w) => w.deadline)) - Date.now());
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
        waiting.reject(unavailable(`${subject} answered without this lead`));
      } else if (result.ok) {
        waiting.resolve(result.reply);
      } else {
        waiting.reject(toDownstreamException(subject, result.error, timeoutMs));
      }
    });
  }
}

function unavailable(message: string): DownstreamException {
  return new DownstreamException(RpcSubjects.ingestion.leadIngestGroup, ErrorCodes.unavailable, message);
}
