import type { LeadIngestedData } from '@leadflow/contracts';
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
