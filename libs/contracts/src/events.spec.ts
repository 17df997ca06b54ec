import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  IsString,
  Matches,
  MaxLength,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  validateSync,
} from 'class-validator';
import { EventEnvelope } from './envelope';
import { type EventData, EventDataClasses } from './events';
import { passesRules } from './rule-check';
import { type EventType, EventTypes } from './subjects';

const contactId = '0190a5b2-0000-7000-8000-000000000002';
const otherContactId = '0190a5b2-0000-7000-8000-000000000003';
const at = '2026-01-01T10:00:00.000Z';

function opportunity(fields: Partial<EventData<'opportunity.updated'>>): EventData<'opportunity.updated'> {
  return {
    opportunityId: otherContactId,
    contactId,
    version: 1,
    leadId: null,
    originLeadId: null,
    pipelineId: '0190a5b2-0000-7000-8000-000000000004',
    stage: 'qualified_to_buy',
    fromStage: null,
    status: 'open',
    amount: '9223372036854775807',
    currency: 'EUR',
    probability: 40,
    closedAt: null,
    deleted: false,
    at,
    ...fields,
  };
}

/** Well-formed data of every event type, as its producer sends it. */
const samples: { [T in EventType]: EventData<T> } = {
  'lead.ingested': {
    leadId: '0190a5b2-0000-7000-8000-000000000001',
    source: 'landing',
    receivedAt: at,
    email: 'anna@example.com',
    emailValid: true,
    phone: null,
    phoneValid: false,
    country: 'DE',
    offer: null,
    firstName: 'Anna',
    lastName: null,
  },
  'lead.attributed': {
    leadId: '0190a5b2-0000-7000-8000-000000000001',
    contactId,
    isNewContact: true,
    source: 'landing',
    offer: null,
    country: 'DE',
    receivedAt: at,
    emailValid: true,
    phoneValid: false,
  },
  'activity.received': {
    activityId: otherContactId,
    messageId: 'msg-1',
    kind: 'track',
    name: 'demo_request',
    anonymousId: 'anon-1',
    userId: null,
    previousId: null,
    email: null,
    emailValid: false,
    phone: null,
    phoneValid: false,
    contactId: null,
    properties: { plan: 'pro' },
    traits: {},
    occurredAt: at,
    receivedAt: at,
    timeFlag: null,
    source: 'segment',
  },
  'activity.attributed': {
    activityId: otherContactId,
    messageId: 'msg-1',
    contactId,
    kind: 'track',
    name: 'demo_request',
    properties: { plan: 'pro' },
    traits: {},
    occurredAt: at,
    receivedAt: at,
    source: 'segment',
    anonymous: true,
    emailValid: false,
    phoneValid: false,
  },
  'contact.created': { contactId, email: 'anna@example.com', phone: '+4915112345678', firstName: null, lastName: null, country: 'DE' },
  'contact.created_from_lead': {
    contactId,
    email: 'anna@example.com',
    phone: null,
    firstName: 'Anna',
    lastName: null,
    country: 'DE',
    version: 1,
    actor: null,
    leadId: '0190a5b2-0000-7000-8000-000000000003',
  },
  'contact.updated': { contactId, email: null, phone: null, firstName: 'Anna', lastName: 'Berg', country: null },
  'contact.merged': { survivorId: contactId, mergedId: otherContactId },
  'contact.deleted': { contactId, version: 3, deletedAt: at, actor: 'key:0190a5b2-0000-7000-8000-000000000009' },
  'contact.restored': { contactId, version: 4, actor: null },
  'contact.erased': {
    contactId,
    erasureId: otherContactId,
    mergedContactIds: [],
    leadIds: ['0190a5b2-0000-7000-8000-000000000001'],
    emailHashes: ['a'.repeat(64)],
    phoneHashes: [],
  },
  'opportunity.created': opportunity({ version: 1 }),
  'opportunity.updated': opportunity({ version: 2, fromStage: 'qualified_to_buy' }),
  'opportunity.won': opportunity({ version: 3, stage: 'closed_won', status: 'won', probability: 100, closedAt: at }),
  'opportunity.lost': opportunity({ version: 3, stage: 'closed_lost', status: 'lost', probability: 0, closedAt: at }),
  'lead.converted': {
    leadId: '0190a5b2-0000-7000-8000-000000000001',
    contactId,
    opportunityId: null,
    source: 'landing',
    offer: null,
    convertedAt: at,
  },
  'score.changed': { contactId, score: 25, previousScore: 10, stage: 'warm', activityId: null },
  'stage.changed': { contactId, from: null, to: 'cold', at, source: 'landing', offer: 'summer', country: null },
  'crm_event.received': {
    crmEventId: '0190a5b2-0000-7000-8000-000000000041',
    integrationId: '0190a5b2-0000-7000-8000-000000000042',
    type: 'contact.updated',
    externalId: 'crm-contact-42',
    sourceUpdatedAt: at,
    attempt: 1,
    fields: { email: 'ana@example.com', tags: ['vip'] },
  },
  'crm_event.processed': {
    crmEventId: '0190a5b2-0000-7000-8000-000000000041',
    integrationId: '0190a5b2-0000-7000-8000-000000000042',
    attempt: 1,
    status: 'skipped',
    reason: 'stale',
    error: null,
    retryable: false,
    recordId: contactId,
  },
  'automation.webhook_requested': {
    automationId: '0190a5b2-0000-7000-8000-000000000051',
    runId: '0190a5b2-0000-7000-8000-000000000052',
    endpointId: '0190a5b2-0000-7000-8000-000000000053',
    contactId,
    trigger: 'stage_changed',
    occurredAt: at,
    payload: { data: { to: 'hot' } },
  },
  'automation.contact_change_requested': {
    automationId: '0190a5b2-0000-7000-8000-000000000051',
    runId: '0190a5b2-0000-7000-8000-000000000052',
    contactId,
    ownerId: '0190a5b2-0000-7000-8000-000000000054',
    addTags: ['vip'],
    lifecycle: 'customer',
  },
  'automation.run_completed': {
    automationId: '0190a5b2-0000-7000-8000-000000000051',
    runId: '0190a5b2-0000-7000-8000-000000000052',
    contactId,
    trigger: 'stage_changed',
    occurrenceId: 'stage.changed:0190a5b2-0000-7000-8000-000000000055',
    actions: ['webhook'],
    outcome: 'completed',
  },
  'endpoint.disabled': {
    endpointId: '0190a5b2-0000-7000-8000-000000000053',
    url: 'https://hooks.example.com/leadflow',
    reason: 'failing',
    failingSince: at,
    disabledAt: at,
  },
};

const allTypes = Object.values(EventTypes);

/** An envelope's fields around `data`, as a producer writes them. */
function envelopeFields(type: EventType, data: unknown): Record<string, unknown> {
  return {
    id: '0190a5b2-0000-7000-8000-000000000009',
    type,
    version: 1,
    workspaceId: 'default',
    occurredAt: at,
    producer: 'test',
    correlationId: 'test',
    data,
  };
}

function errorsOf(type: EventType, data: object): string[] {
  const errors = validateSync(plainToInstance(EventDataClasses[type] as new () => object, data));
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}

describe('EventDataClasses', () => {
  it('gives every event type a class that declares validated fields', () => {
    expect(Object.keys(EventDataClasses).sort()).toEqual([...allTypes].sort());
    for (const type of allTypes) {
      const rules = getMetadataStorage().getTargetValidationMetadatas(EventDataClasses[type], '', true, false);
      expect({ type, fields: rules.length > 0 }).toEqual({ type, fields: true });
    }
  });

  it.each(allTypes)('takes %s as an envelope type', (type) => {
    const envelope = plainToInstance(EventEnvelope, envelopeFields(type, samples[type]));
    expect(validateSync(envelope).flatMap((error) => Object.values(error.constraints ?? {}))).toEqual([]);
  });

  it.each(allTypes)('accepts well-formed %s data', (type) => {
    expect(errorsOf(type, samples[type])).toEqual([]);
  });

  it('lets fields it does not declare through, so that a producer can add one first', () => {
    expect(errorsOf(EventTypes.contactMerged, { ...samples['contact.merged'], reason: 'same email' })).toEqual([]);
  });

  it.each([
    ['lead.ingested', 'leadId', 5, 'leadId must be a non-empty id of at most 128 characters'],
    ['lead.ingested', 'leadId', '', 'leadId must be a non-empty id of at most 128 characters'],
    ['lead.ingested', 'leadId', 'x'.repeat(129), 'leadId must be a non-empty id of at most 128 characters'],
    ['lead.ingested', 'source', null, 'source must be a string of at most 255 characters'],
    ['lead.ingested', 'source', 's'.repeat(256), 'source must be a string of at most 255 characters'],
    ['lead.ingested', 'offer', 7, 'offer must be a string'],
    ['lead.ingested', 'email', undefined, 'email must be a string'],
    ['lead.ingested', 'receivedAt', 'yesterday', 'receivedAt must be an ISO 8601 timestamp'],
    ['lead.ingested', 'receivedAt', '2026-02-30T10:00:00Z', 'receivedAt must be an ISO 8601 timestamp'],
    ['lead.ingested', 'receivedAt', '2026-03-02', 'receivedAt must be an ISO 8601 timestamp'],
    ['lead.ingested', 'emailValid', 'yes', 'emailValid must be a boolean value'],
    ['lead.attributed', 'contactId', 'nope', 'contactId must be a UUID'],
    ['lead.attributed', 'isNewContact', 'yes', 'isNewContact must be a boolean value'],
    ['contact.merged', 'mergedId', undefined, 'mergedId must be a UUID'],
    ['score.changed', 'score', 2.5, 'score must be an integer number'],
    ['score.changed', 'stage', 'lukewarm', 'stage must be one of cold, warm, hot, qualified'],
    ['stage.changed', 'to', 'frozen', 'to must be one of cold, warm, hot, qualified'],
    ['stage.changed', 'to', 'leads = 0, x', 'to must be one of cold, warm, hot, qualified'],
    ['stage.changed', 'at', undefined, 'at must be an ISO 8601 timestamp'],
    ['stage.changed', 'from', 'frozen', 'from must be one of cold, warm, hot, qualified'],
    ['opportunity.updated', 'amount', 1299.5, 'amount must be a whole number of minor units as a string, not negative'],
    ['opportunity.updated', 'amount', '9223372036854775808', 'amount must be a whole number of minor units as a string, not negative'],
    ['opportunity.updated', 'currency', 'eur', 'currency must be an upper-case ISO 4217 currency code'],
    ['opportunity.updated', 'version', 0, 'version must not be less than 1'],
    ['opportunity.won', 'status', 'closed', 'status must be one of the following values: open, won, lost'],
  ] as Array<[EventType, string, unknown, string]>)('refuses %s data whose %s is %p, naming the field', (type, field, value, message) => {
    expect(errorsOf(type, { ...samples[type], [field]: value })).toEqual([message]);
  });

  it('refuses a lead id holding a NUL character, which PostgreSQL text cannot store', () => {
    expect(errorsOf(EventTypes.leadIngested, { ...samples['lead.ingested'], leadId: 'a\u0000b' })).toEqual([
      'leadId must be a non-empty id of at most 128 characters',
    ]);
  });

  it('takes a timestamp with an offset, or with no zone, as well as in UTC', () => {
    for (const receivedAt of ['2026-03-02T01:30:00+02:00', '2026-03-02T10:00', '2026-03-02T10:00:00.123456Z']) {
      expect(errorsOf(EventTypes.leadIngested, { ...samples['lead.ingested'], receivedAt })).toEqual([]);
    }
  });

  it('takes null where the contract allows it, and only there', () => {
    expect(errorsOf(EventTypes.stageChanged, { ...samples['stage.changed'], from: null, offer: null, country: null })).toEqual([]);
    expect(errorsOf(EventTypes.stageChanged, { ...samples['stage.changed'], to: null })).toEqual([
      'to must be one of cold, warm, hot, qualified',
    ]);
  });
});

describe('passesRules', () => {
  /** Values that break one rule or another: wrong types, empty, too long, impossible dates, NUL, lists. */
  const oddValues: unknown[] = [
    undefined,
    null,
    '',
    'x',
    0,
    -1,
    1.5,
    2 ** 63,
    Number.NaN,
    true,
    [],
    {},
    ['a', 2],
    new Set(['a']),
    'x'.repeat(300),
    '2026-02-30T10:00:00Z',
    '2026-03-02',
    at,
    contactId,
    'a\u0000b',
    '9223372036854775808',
    'EUR',
    'hot',
  ];
  const instance = <T extends object>(type: new () => T, plain: object): T => Object.assign(Object.create(type.prototype) as T, plain);
  const envelopeOf = (type: EventType, data: unknown) => instance(EventEnvelope, envelopeFields(type, data));

  it.each(allTypes)('passes well-formed %s data and its envelope without class-validator', (type) => {
    expect(passesRules(instance(EventDataClasses[type] as new () => object, samples[type]))).toBe(true);
    expect(passesRules(envelopeOf(type, samples[type]))).toBe(true);
  });

  it.each(allTypes)('agrees with validateSync on %s data with each field set to each odd value', (type) => {
    const sample = samples[type] as unknown as Record<string, unknown>;
    const disagreements: string[] = [];
    let refused = 0;
    for (const field of [...Object.keys(sample), 'notDeclared']) {
      for (const value of oddValues) {
        const data = instance(EventDataClasses[type] as new () => object, { ...sample, [field]: value });
        const valid = validateSync(data, { whitelist: false }).length === 0;
        if (!valid) refused += 1;
        // passesRules may only say true when validateSync finds nothing.
        if (passesRules(data) !== valid) disagreements.push(`${field} = ${String(value)}: validateSync ${valid}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });

  it('agrees with validateSync on envelopes with each field set to each odd value', () => {
    const envelope = envelopeOf(EventTypes.leadIngested, samples['lead.ingested']) as unknown as Record<string, unknown>;
    for (const field of Object.keys(envelope)) {
      for (const value of oddValues) {
        const changed = instance(EventEnvelope, { ...envelope, [field]: value });
        expect({ field, value, passes: passesRules(changed) }).toEqual({ field, value, passes: validateSync(changed).length === 0 });
      }
    }
  });

  it('leaves classes it does not cover to class-validator: no rules, or asynchronous ones', () => {
    class NoRules {
      name = 'x';
    }
    @ValidatorConstraint({ async: true })
    class Later implements ValidatorConstraintInterface {
      validate(): Promise<boolean> {
        return Promise.resolve(true);
      }
    }
    class Awaited {
      @Validate(Later)
      name!: string;
    }
    expect(passesRules(new NoRules())).toBe(false);
    expect(passesRules(instance(Awaited, { name: 'a' }))).toBe(false);
  });

  it('checks nested objects by their own classes, as class-validator does', () => {
    class Inner {
      @IsString()
      name!: string;
    }
    class Outer {
      @ValidateNested()
      inner!: Inner;
    }
    class Many {
      @ValidateNested({ each: true })
      inners!: Inner[];
    }
    const cases: Array<[object, boolean]> = [
      [instance(Outer, { inner: instance(Inner, { name: 'a' }) }), true],
      [instance(Outer, { inner: instance(Inner, { name: 1 }) }), false],
      // Skipped by class-validator without @IsDefined.
      [instance(Outer, {}), true],
      [instance(Outer, { inner: null }), false],
      [instance(Outer, { inner: 'a' }), false],
      // A plain object has no rules of its own: class-validator refuses it as an unknown value.
      [instance(Outer, { inner: { name: 'a' } }), false],
      [instance(Many, { inners: [instance(Inner, { name: 'a' }), instance(Inner, { name: 'b' })] }), true],
      [instance(Many, { inners: [instance(Inner, { name: 'a' }), instance(Inner, { name: 2 })] }), false],
      [instance(Many, { inners: [instance(Inner, { name: 'a' }), 'b'] }), false],
      [instance(Many, { inners: new Set([instance(Inner, { name: 'a' })]) }), true],
    ];
    for (const [object, passes] of cases) {
      expect(passesRules(object)).toBe(passes);
      expect(validateSync(object, { forbidUnknownValues: true }).length === 0).toBe(passes);
    }
  });

  it('agrees with validateSync on the length and pattern rules it answers without class-validator’s own checks', () => {
    class Limited {
      @MaxLength(3)
      short!: unknown;

      @MaxLength(2, { each: true })
      codes!: unknown;

      @Matches(/^[a-z]+$/)
      word!: unknown;

      @Matches(/^x/g)
      global!: unknown;

      @Matches('^[0-9]+$', 'i')
      text!: unknown;
    }
    const fine = { short: 'abc', codes: ['ab'], word: 'abc', global: 'xy', text: '12' };
    const values: unknown[] = [
      undefined,
      null,
      3,
      '',
      'abc',
      'abcd',
      'ab\u{1F600}',
      'a\u{1F600}\u{1F600}',
      'x\uFE0F\uFE0Fy',
      'ABC',
      'xyz',
      '123',
      ['ab', 'abc'],
      ['ab'],
    ];
    const disagreements: string[] = [];
    for (const field of Object.keys(fine)) {
      for (const value of values) {
        const object = instance(Limited, { ...fine, [field]: value });
        // The global pattern twice: a shortcut kept in a stateful lastIndex would answer differently.
        for (let time = 0; time < 2; time += 1) {
          const valid = validateSync(object).length === 0;
          if (passesRules(object) !== valid) disagreements.push(`${field} = ${JSON.stringify(value)}: validateSync ${valid}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    // Surrogate pairs count once: four UTF-16 units, three code points, within MaxLength(3).
    expect(passesRules(instance(Limited, { ...fine, short: 'ab\u{1F600}' }))).toBe(true);
  });

  it('checks each item of a list whose rule says each, and follows a class given a rule later', () => {
    class Tagged {
      @IsString({ each: true })
      tags!: string[];
    }
    expect(passesRules(instance(Tagged, { tags: ['a', 'b'] }))).toBe(true);
    expect(passesRules(instance(Tagged, { tags: ['a', 2] }))).toBe(false);
    expect(passesRules(instance(Tagged, { tags: new Set(['a']) }))).toBe(true);
    // A rule added after the first check counts from then on.
    MaxLength(1, { each: true })(Tagged.prototype, 'tags');
    expect(passesRules(instance(Tagged, { tags: ['ab'] }))).toBe(false);
    expect(validateSync(instance(Tagged, { tags: ['ab'] }))).not.toEqual([]);
  });
});
