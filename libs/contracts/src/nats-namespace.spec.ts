import { NatsNamespace } from './nats-namespace';

describe('NatsNamespace', () => {
  it('leaves names untouched when the namespace is empty', () => {
    const ns = new NatsNamespace('');
    expect(ns.subject('lead.ingested')).toBe('lead.ingested');
    expect(ns.stream('INGESTION')).toBe('INGESTION');
    expect(ns.durable('contacts')).toBe('contacts');
    expect(ns.unqualify('lead.ingested')).toBe('lead.ingested');
  });

  it('prefixes subjects, streams, durables and queues and strips its own prefix only', () => {
    const ns = new NatsNamespace('t42');
    expect(ns.subject('ingestion.system.status')).toBe('t42.ingestion.system.status');
    expect(ns.stream('INGESTION')).toBe('T42_INGESTION');
    expect(ns.durable('contacts')).toBe('t42_contacts');
    expect(ns.queue('contacts')).toBe('t42.contacts');
    expect(ns.unqualify('t42.lead.ingested')).toBe('lead.ingested');
    expect(ns.unqualify('t43.lead.ingested')).toBeUndefined();
  });

  it('rejects prefixes that would break subject or stream syntax', () => {
    for (const bad of ['T1', 'a.b', 'a b', '1abc', 'a*']) expect(() => new NatsNamespace(bad)).toThrow(/invalid NATS namespace/);
  });
});
