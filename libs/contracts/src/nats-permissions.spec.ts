import { NatsNamespace } from './nats-namespace';
import { appNatsUsers, natsPermissions, renderNatsAuthorization } from './nats-permissions';
import { SERVICE_NAMES } from './services';
import { Streams } from './subjects';

describe('natsPermissions', () => {
  const plain = new NatsNamespace('');

  it('lets the gateway call every app, publish endpoint.disabled and consume the events it audits or delivers as webhooks, each through its own durable', () => {
    const { publish, subscribe } = natsPermissions('gateway', plain);
    expect(publish.filter((subject) => !subject.startsWith('$JS.'))).toEqual([
      'gateway.>',
      'ingestion.>',
      'contacts.>',
      'scoring.>',
      'metrics.>',
      'endpoint.disabled',
    ]);
    expect(publish.filter((subject) => subject.includes('MSG.NEXT'))).toEqual([
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-erased',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-created',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-created_from_lead',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-updated',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-merged',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-deleted',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-contact-restored',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-opportunity-created',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-opportunity-updated',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-opportunity-won',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-opportunity-lost',
      '$JS.API.CONSUMER.MSG.NEXT.CONTACTS.gateway-lead-converted',
      '$JS.API.CONSUMER.MSG.NEXT.INGESTION.gateway-lead-ingested',
      '$JS.API.CONSUMER.MSG.NEXT.SCORING.gateway-score-changed',
      '$JS.API.CONSUMER.MSG.NEXT.SCORING.gateway-stage-changed',
      '$JS.API.CONSUMER.MSG.NEXT.SCORING.gateway-automation-webhook_requested',
      '$JS.API.CONSUMER.MSG.NEXT.SCORING.gateway-automation-run_completed',
      '$JS.API.CONSUMER.MSG.NEXT.GATEWAY.gateway-endpoint-disabled',
    ]);
    expect(publish.filter((subject) => subject.startsWith('$JS.API.STREAM.'))).toEqual([
      '$JS.API.STREAM.INFO.GATEWAY',
      '$JS.API.STREAM.CREATE.GATEWAY',
      '$JS.API.STREAM.INFO.CONTACTS',
      '$JS.API.STREAM.CREATE.CONTACTS',
      '$JS.API.STREAM.INFO.INGESTION',
      '$JS.API.STREAM.CREATE.INGESTION',
      '$JS.API.STREAM.INFO.SCORING',
      '$JS.API.STREAM.CREATE.SCORING',
      // Its own stream only: the subjects of newer event types are added to it.
      '$JS.API.STREAM.UPDATE.GATEWAY',
    ]);
    expect(subscribe).toEqual(['gateway.>', '_INBOX.gateway.>']);
  });

  it('lets contacts publish its own events and consume lead.ingested through its own durable for that type', () => {
    const { publish, subscribe } = natsPermissions('contacts', plain);
    expect(publish).toEqual(expect.arrayContaining([...Streams.contacts.subjects]));
    expect(publish).not.toContain('lead.ingested');
    expect(publish).toEqual(
      expect.arrayContaining([
        '$JS.API.STREAM.INFO.CONTACTS',
        '$JS.API.STREAM.UPDATE.CONTACTS',
        '$JS.API.STREAM.INFO.INGESTION',
        '$JS.API.CONSUMER.CREATE.INGESTION.contacts-lead-ingested.>',
        '$JS.API.CONSUMER.MSG.NEXT.INGESTION.contacts-lead-ingested',
        '$JS.ACK.INGESTION.contacts-lead-ingested.>',
        // The one durable per stream of earlier releases: looked up and removed, never consumed from.
        '$JS.API.CONSUMER.INFO.INGESTION.contacts',
        '$JS.API.CONSUMER.DELETE.INGESTION.contacts',
      ]),
    );
    // Of ingestion's stream the two types contacts attributes and the CRM events it applies, each
    // through its own durable; and of scoring's stream stage.changed only (the stage a contact keeps
    // a copy of) and automations' contact changes only, never score.changed.
    expect(publish.filter((subject) => subject.includes('MSG.NEXT'))).toEqual([
      '$JS.API.CONSUMER.MSG.NEXT.INGESTION.contacts-lead-ingested',
      '$JS.API.CONSUMER.MSG.NEXT.INGESTION.contacts-activity-received',
      '$JS.API.CONSUMER.MSG.NEXT.INGESTION.contacts-crm_event-received',
      '$JS.API.CONSUMER.MSG.NEXT.SCORING.contacts-stage-changed',
      '$JS.API.CONSUMER.MSG.NEXT.SCORING.contacts-automation-contact_change_requested',
    ]);
    expect(
      publish.filter(
        (subject) => subject.includes('SCORING') && !/contacts(-stage-changed|-automation-contact_change_requested)?($|\.)/.test(subject),
      ),
    ).toEqual(['$JS.API.STREAM.INFO.SCORING', '$JS.API.STREAM.CREATE.SCORING']);
    expect(publish.filter((subject) => /^\$JS\.(API\.CONSUMER|ACK)\./.test(subject) && !subject.includes('.contacts'))).toEqual([]);
    expect(subscribe).toEqual(['contacts.>', '_INBOX.contacts.>']);
  });

  it('lets scoring delete its durables for its own stage and score changes, which it no longer consumes, and nothing more', () => {
    const { publish } = natsPermissions('scoring', plain);
    expect(publish.filter((subject) => subject.includes('.SCORING.scoring-'))).toEqual([
      '$JS.API.CONSUMER.DELETE.SCORING.scoring-stage-changed',
      '$JS.API.CONSUMER.DELETE.SCORING.scoring-score-changed',
    ]);
  });

  it('never lets an app publish another app’s events, nor call an app that is not listed', () => {
    for (const service of SERVICE_NAMES) {
      const { publish } = natsPermissions(service, plain);
      for (const stream of Object.values(Streams)) {
        for (const subject of stream.subjects) expect(publish.includes(subject)).toBe(stream.owner === service);
      }
      if (service !== 'gateway') expect(publish.filter((subject) => subject.endsWith('.>') && !subject.startsWith('$JS.'))).toEqual([]);
    }
  });

  it('applies the namespace to subjects, streams, durables and inboxes', () => {
    const { publish, subscribe } = natsPermissions('metrics', new NatsNamespace('run7'));
    expect(subscribe).toEqual(['run7.metrics.>', '_INBOX.run7.metrics.>']);
    expect(publish).toContain('$JS.API.CONSUMER.MSG.NEXT.RUN7_SCORING.run7_metrics-stage-changed');
    expect(publish.every((subject) => subject.startsWith('$JS.') || subject.startsWith('run7.'))).toBe(true);
  });
});

describe('renderNatsAuthorization', () => {
  it('writes one user per app, keeps $VARIABLES as references and quotes literal passwords', () => {
    const text = renderNatsAuthorization([
      ...appNatsUsers(new NatsNamespace(''), (service) => (service === 'gateway' ? 'say "hi"' : `$NATS_${service.toUpperCase()}_PASSWORD`)),
      { user: 'operator', password: '$NATS_OPERATOR_PASSWORD' },
    ]);
    expect(text).toContain('user: "gateway"\n      password: "say \\"hi\\""');
    expect(text).toContain('user: "contacts"\n      password: $NATS_CONTACTS_PASSWORD');
    expect(text.match(/allow_responses: true/g)).toHaveLength(5);
    // The operator, given no permissions, may use every subject.
    expect(text).toMatch(/user: "operator"\n {6}password: \$NATS_OPERATOR_PASSWORD\n {4}\}/);
  });
});
