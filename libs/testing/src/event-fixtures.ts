import type { ContactErasedData, CrmEventReceivedData, EventEnvelope, LeadIngestedData } from '@leadflow/contracts';
import { v7 as uuidv7 } from 'uuid';

/** The data of a `lead.ingested` event as ingestion publishes it: a new lead id, nothing identifying unless given. */
export function leadIngestedData(fields: Partial<LeadIngestedData> = {}): LeadIngestedData {
  return {
    leadId: uuidv7(),
    source: 'default',
    receivedAt: new Date().toISOString(),
    email: null,
    emailValid: false,
    phone: null,
    phoneValid: false,
    country: 'DE',
    offer: null,
    firstName: null,
    lastName: null,
    ...fields,
  };
}

/**
 * The data of a `crm_event.received` event as ingestion publishes it for a stored CRM event: a new
 * CRM event id, its first delivery, the record's time now unless given.
 */
export function crmEventReceivedData(
  fields: Pick<CrmEventReceivedData, 'integrationId' | 'type' | 'externalId'> & Partial<CrmEventReceivedData>,
): CrmEventReceivedData {
  return {
    crmEventId: uuidv7(),
    sourceUpdatedAt: new Date().toISOString(),
    attempt: 1,
    fields: {},
    ...fields,
  };
}

/** The data of a `contact.erased` event as contacts publishes it: a new contact and erasure, nothing else erased unless given. */
export function contactErasedData(fields: Partial<ContactErasedData> = {}): ContactErasedData {
  return {
    contactId: uuidv7(),
    erasureId: uuidv7(),
    mergedContactIds: [],
    leadIds: [],
    emailHashes: [],
    phoneHashes: [],
    ...fields,
  };
}

/**
 * An event as a consumer receives it, for service tests that hand events to a handler without
 * NATS: a new id, version 1, occurring now and produced by `test` unless `fields` say otherwise.
 */
export function eventEnvelope<T extends object>(
  workspaceId: string,
  type: string,
  data: T,
  fields: Partial<Omit<EventEnvelope<T>, 'workspaceId' | 'type' | 'data'>> = {},
): EventEnvelope<T> {
  return {
    id: uuidv7(),
    type,
    version: 1,
    workspaceId,
    occurredAt: new Date().toISOString(),
    producer: 'test',
    correlationId: `test-${uuidv7()}`,
    data,
    ...fields,
  };
}
