import { webhookPatternsMatch } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

/** How long a workspace's endpoints are kept between reads; a change made here forgets them at once. */
const KEPT_MS = 2000;

interface Kept {
  endpoints: Array<{ id: string; eventTypes: string[] }>;
  readAt: number;
}

/**
 * The enabled endpoints of each workspace, read at most once per 2 s: the events of a workspace
 * without endpoints cost no query beyond the inbox's. Another replica's change is seen within 2 s.
 */
@Injectable()
export class WebhookSubscriptions {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly repository: WebhookEndpointsRepository) {}

  /** The ids of the workspace's enabled endpoints that subscribe to `type`. */
  async endpointsFor(workspaceId: string, type: string): Promise<string[]> {
    return (await this.of(workspaceId))
      .filter((endpoint) => webhookPatternsMatch(endpoint.eventTypes, type))
      .map((endpoint) => endpoint.id);
  }

  /** Whether `endpointId` is an enabled endpoint of the workspace. */
  async isEnabled(workspaceId: string, endpointId: string): Promise<boolean> {
    return (await this.of(workspaceId)).some((endpoint) => endpoint.id === endpointId);
  }

  changed(workspaceId: string): void {
    this.kept.delete(workspaceId);
  }

  private async of(workspaceId: string): Promise<Kept['endpoints']> {
    const kept = this.kept.get(workspaceId);
    if (kept && Date.now() - kept.readAt < KEPT_MS) return kept.endpoints;
    const endpoints = (await this.repository.subscribed(workspaceId)).map((row) => ({ id: row.id, eventTypes: row.event_types }));
    if (this.kept.size > 10_000) this.kept.clear();
    this.kept.set(workspaceId, { endpoints, readAt: Date.now() });
    return endpoints;
  }
}
