import { AppException, type CrmEventReceivedData, type EventEnvelope, ErrorCodes, EventTypes } from '@leadflow/contracts';
import { applyOrder, contactPatchOf, failureOf, opportunityChangeOf, recordKeyOf } from './crm-fields';

const integrationId = '0190a5b2-0000-7000-8000-000000000042';

function event(
  type: CrmEventReceivedData['type'],
  externalId: string,
  sourceUpdatedAt: string,
  crmEventId: string,
): EventEnvelope<CrmEventReceivedData> {
  return {
    id: crmEventId,
    type: EventTypes.crmEventReceived,
    version: 1,
    workspaceId: 'w1',
    occurredAt: sourceUpdatedAt,
    producer: 'ingestion',
    correlationId: 'c',
    data: { crmEventId, integrationId, type, externalId, sourceUpdatedAt, attempt: 1, fields: {} },
  };
}

describe('CRM event fields', () => {
  it('applies contacts before opportunities, each by the source time, ties by event id', () => {
    const events = [
      event('opportunity.updated', 'o1', '2026-11-30T10:00:00Z', 'e1'),
      event('contact.updated', 'c1', '2026-11-30T10:05:00Z', 'e2'),
      event('lead.converted', 'l1', '2026-11-30T09:00:00Z', 'e3'),
      event('contact.created', 'c1', '2026-11-30T10:01:00+01:00', 'e5'),
      event('contact.created', 'c2', '2026-11-30T10:05:00.000Z', 'e4'),
    ];
    expect(applyOrder(events).map((e) => e.data.crmEventId)).toEqual(['e5', 'e2', 'e4', 'e1', 'e3']);
  });

  it('keys a record by workspace, integration, kind and CRM id', () => {
    expect(recordKeyOf(event('contact.deleted', 'ext-1', '2026-11-30T10:00:00Z', 'e1'))).toBe(`crm:w1:${integrationId}:contact:ext-1`);
  });

  it('takes the contact fields LeadFlow knows, null to clear, and leaves the others out', () => {
    expect(contactPatchOf({ email: 'a@example.com', company: null, createdAt: '2026-01-01', ownerId: 'x', tags: ['vip'] })).toEqual({
      email: 'a@example.com',
      company: null,
      tags: ['vip'],
    });
  });

  it('reads an opportunity change with exact minor units, and closes won and lost ones', () => {
    const { change, contactExternalId } = opportunityChangeOf('opportunity.won', {
      name: 'Deal',
      amount: { amount: '900719925474099312', currency: 'EUR' },
      stage: 'contract_sent',
      contactExternalId: 'c-9',
    });
    expect(change.amount?.amount).toBe(900719925474099312n);
    expect(change.amount?.currency).toBe('EUR');
    expect(change.stage).toBe('closed_won');
    expect(contactExternalId).toBe('c-9');
    expect(opportunityChangeOf('opportunity.lost', {}).change.stage).toBe('closed_lost');
    expect(opportunityChangeOf('opportunity.updated', { stage: 'qualified_to_buy' }).change.stage).toBe('qualified_to_buy');
  });

  it.each([
    [{ amount: { amount: '12.50', currency: 'EUR' } }, /^amount/],
    [{ amount: { amount: '100', currency: 'XYZ' } }, /currency/],
    [{ contactExternalId: 7 }, /contactExternalId/],
    [{ expectedCloseDate: '2026-02-30' }, /expectedCloseDate/],
  ])('refuses bad opportunity data %p', (fields, message) => {
    expect(() => opportunityChangeOf('opportunity.updated', fields)).toThrow(message);
  });

  it('retries only what may still arrive, and names the code in the error', () => {
    expect(failureOf(new AppException(ErrorCodes.leadNotAttributed, 'not yet'))).toEqual({
      error: 'lead_not_attributed: not yet',
      retryable: true,
    });
    expect(failureOf(new AppException(ErrorCodes.invalidEmail, 'bad'))).toEqual({ error: 'invalid_email: bad', retryable: false });
    expect(failureOf(new Error('connection lost'))).toBeUndefined();
  });
});
