/**
 * Applies a deployment's NATS namespace to subjects, stream names and durable names, so that
 * several deployments or test runs can share one NATS server. An empty namespace changes nothing.
 */
export class NatsNamespace {
  constructor(readonly prefix: string) {
    if (!/^([a-z][a-z0-9_]{0,31})?$/.test(prefix)) throw new Error(`invalid NATS namespace: ${prefix}`);
  }

  subject(subject: string): string {
    return this.prefix ? `${this.prefix}.${subject}` : subject;
  }

  /** The subject without this namespace, or undefined when it is not in it. */
  unqualify(subject: string): string | undefined {
    if (!this.prefix) return subject;
    return subject.startsWith(`${this.prefix}.`) ? subject.slice(this.prefix.length + 1) : undefined;
  }

  stream(name: string): string {
    return this.prefix ? `${this.prefix.toUpperCase()}_${name}` : name;
  }

  durable(name: string): string {
    return this.prefix ? `${this.prefix}_${name}` : name;
  }

  queue(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }
}
