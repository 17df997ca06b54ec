import { isUuid } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { ShortMemo } from '../http/short-memo';
import { IntegrationsRepository, type ReceivingIntegration } from './integrations.repository';

/**
 * How long an integration and its live secrets are reused between webhooks. A change made through
 * another gateway replica (a deletion, an expired secret, a new mapping) is seen here within this;
 * a change made here is seen at once. A signature that fails against a reused answer is checked
 * again against a fresh one, so a secret made by a rotation works at once everywhere.
 */
export const RECEIVING_INTEGRATION_MEMO_MS = 5_000;

/** The integrations webhooks are received for, as the webhook path reads them: no query per webhook. */
@Injectable()
export class ReceivingIntegrations {
  private readonly memo = new ShortMemo<ReceivingIntegration | undefined>(RECEIVING_INTEGRATION_MEMO_MS);

  constructor(private readonly repository: IntegrationsRepository) {}

  /** The integration with its live secrets; none for an unknown, deleted or secretless one. */
  async get(id: string, options: { fresh?: boolean } = {}): Promise<ReceivingIntegration | undefined> {
    if (!isUuid(id)) return undefined;
    if (options.fresh) this.memo.forget(id);
    const integration = await this.memo.get(id, () => this.repository.receiving(id));
    return integration && integration.secrets.length > 0 ? integration : undefined;
  }

  /** Called once a change to the integration has committed. */
  changed(id: string): void {
    this.memo.forget(id);
  }
}
