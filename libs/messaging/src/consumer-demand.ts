import { Injectable } from '@nestjs/common';

/**
 * Tells the app's on-demand consumers (`ConsumesEventsOptions.onDemand`) that what decides whether
 * their event types are wanted changed here (an endpoint created, say), so that they check again at
 * once rather than at their next periodic check.
 */
@Injectable()
export class ConsumerDemand {
  private readonly listeners = new Set<() => void>();

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` on each change until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
