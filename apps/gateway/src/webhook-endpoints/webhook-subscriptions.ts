import { webhookPatternsMatch } from '@leadflow/contracts';
import { ConsumerDemand } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { ShortMemo } from '../http/short-memo';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

/** How long a workspace's endpoints are kept between reads; a change made here forgets them at once. */
const KEPT_MS = 2000;

interface Kept {
  endpoints: Array<{ id: string; eventTypes: string[] }>;
  /** Intake keys' postbacks, by source (the key's name). */
  postbacks: Map<string, Array<{ id: string; template: string }>>;
}

/**
 * The enabled endpoints of each workspace, read at most once per 2 s: the events of a workspace
 * without endpoints cost no query beyond the inbox's. Another replica's change is seen within 2 s.
 */
@Injectable()
export class WebhookSubscriptions {
  private readonly kept = new ShortMemo<Kept>(KEPT_MS);

  constructor(
    private readonly repository: WebhookEndpointsRepository,
    private readonly demand: ConsumerDemand,
  ) {}

  /**
   * Whether an enabled endpoint of any workspace subscribes to `type` (or, with `postbacks`, any
   * postback is enabled), read afresh: an on-demand consumer's check must not see an older answer.
   */
  async wantedAnywhere(type: string, postbacks: boolean): Promise<boolean> {
    const subscribed = await this.repository.subscribedAnywhere();
    return webhookPatternsMatch(subscribed.patterns, type) || (postbacks && subscribed.postbacks);
  }

  /** The ids of the workspace's enabled endpoints that subscribe to `type`. */
  async endpointsFor(workspaceId: string, type: string): Promise<string[]> {
    return (await this.of(workspaceId)).endpoints
      .filter((endpoint) => webhookPatternsMatch(endpoint.eventTypes, type))
      .map((endpoint) => endpoint.id);
  }

  /** The postbacks of the workspace's intake key named `source`, if it has one. */
  async postbacksFor(workspaceId: string, source: string): Promise<Array<{ id: string; template: string }>> {
    return (await this.of(workspaceId)).postbacks.get(source) ?? [];
  }

  /** Whether some intake key of the workspace has a postback. */
  async hasPostbacks(workspaceId: string): Promise<boolean> {
    return (await this.of(workspaceId)).postbacks.size > 0;
  }

  /** Whether `endpointId` is an enabled endpoint of the workspace. */
  async isEnabled(workspaceId: string, endpointId: string): Promise<boolean> {
    return (await this.of(workspaceId)).endpoints.some((endpoint) => endpoint.id === endpointId);
  }

  /** The workspace's endpoints or postbacks changed here: read again, and the on-demand consumers check again. */
  changed(workspaceId: string): void {
    this.kept.forget(workspaceId);
    this.demand.changed();
  }

  private of(workspaceId: string): Promise<Kept> {
    return this.kept.get(workspaceId, () => this.read(workspaceId));
  }

  private async read(workspaceId: string): Promise<Kept> {
    const rows = await this.repository.subscribed(workspaceId);
    const postbacks = new Map<string, Array<{ id: string; template: string }>>();
    for (const row of rows) {
      if (row.kind !== 'postback' || row.source === null) continue;
      postbacks.set(row.source, [...(postbacks.get(row.source) ?? []), { id: row.id, template: row.url }]);
    }
    return {
      endpoints: rows.filter((row) => row.kind === 'webhook').map((row) => ({ id: row.id, eventTypes: row.event_types })),
      postbacks,
    };
  }
}
