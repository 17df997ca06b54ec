import {
  type ContactMergedData,
  type ContactView,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type LeadContactReply,
  type LeadIngestedData,
  RpcSubjects,
  readMessage,
} from '@leadflow/contracts';
import { AppHarness, leadIngestedData, type RpcFailure, waitFor } from '@leadflow/testing';
import { JSONCodec, type Subscription } from 'nats';

describe('contacts: identity resolution', () => {
  let h: AppHarness;
  let subscription: Subscription;
  const events: EventEnvelope[] = [];

  beforeAll(async () => {
    h = await AppHarness.start('contacts', { EVENT_ACK_WAIT_SECONDS: '3' });
    subscription = h.nats.subscribe(`${h.namespace}.>`);
    void (async () => {
      for await (const message of subscription) {
        if (message.subject.startsWith(`${h.namespace}.contact.`) || message.subject.startsWith(`${h.namespace}.lead.attributed`)) {
          // A message carries the events of one type that the relay published together.
          events.push(...(readMessage(message.data) as EventEnvelope[]));
        }
      }
    })();
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await h?.stop();
  });

  let workspace = 0;
  const newWorkspace = () => `ws${Date.now().toString(36)}${(workspace += 1)}`;

  const lead = (fields: Partial<LeadIngestedData> = {}) => leadIngestedData({ offer: 'spring', ...fields });
  const withEmail = (email: string, extra: Partial<LeadIngestedData> = {}) => lead({ email, emailValid: true, ...extra });
  const withPhone = (phone: string, extra: Partial<LeadIngestedData> = {}) => lead({ phone, phoneValid: true, ...extra });

  const attributed = (leadId: string) =>
    waitFor(() => events.find((e) => e.type === EventTypes.leadAttributed && (e.data as unknown as LeadAttributedData).leadId === leadId), {
      what: `lead.attributed for ${leadId}`,
    }).then((e) => e.data as unknown as LeadAttributedData);

  const liveContacts = async (ws: string) =>
    h.db.query<{ id: string; email: string | null; phone: string | null }>(
      `SELECT id, email, phone FROM contacts.contacts WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY id`,
      [ws],
    );

  it('creates a contact for a new person and attributes the lead to it', async () => {
    const ws = newWorkspace();
    const data = withEmail('ana@example.com', { firstName: 'Ana' });
    await h.publish(EventTypes.leadIngested, data, { workspaceId: ws });
    const attribution = await attributed(data.leadId);
    expect(attribution).toMatchObject({
      leadId: data.leadId,
      isNewContact: true,
      source: 'default',
      offer: 'spring',
      country: 'DE',
      emailValid: true,
    });
    const created = events.find((e) => e.type === EventTypes.contactCreatedFromLead && e.workspaceId === ws);
    expect(created?.data).toMatchObject({ contactId: attribution.contactId, email: 'ana@example.com', firstName: 'Ana' });
    expect(await liveContacts(ws)).toEqual([{ id: attribution.contactId, email: 'ana@example.com', phone: null }]);
  });

  it('attributes a returning person to the same contact and adds the new phone to it', async () => {
    const ws = newWorkspace();
    const first = withEmail('bo@example.com');
    await h.publish(EventTypes.leadIngested, first, { workspaceId: ws });
    const { contactId } = await attributed(first.leadId);
    const second = withEmail('bo@example.com', { phone: '+4930901820', phoneValid: true });
    await h.publish(EventTypes.leadIngested, second, { workspaceId: ws });
    expect(await attributed(second.leadId)).toMatchObject({ contactId, isNewContact: false });
    const third = withPhone('+4930901820');
    await h.publish(EventTypes.leadIngested, third, { workspaceId: ws });
    expect(await attributed(third.leadId)).toMatchObject({ contactId, isNewContact: false });
    const view = await h.request<ContactView>(RpcSubjects.contacts.contactGet, { workspaceId: ws, id: contactId });
    expect(view).toMatchObject({ emails: ['bo@example.com'], phones: ['+4930901820'], phone: '+4930901820' });
    expect(view.leadIds).toEqual([first.leadId, second.leadId, third.leadId].sort());
  });

  it('makes one contact of 20 leads of one person arriving at the same instant', async () => {
    const ws = newWorkspace();
    const leads = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? withEmail('cy@example.com', { phone: '+4915112345678', phoneValid: true }) : withPhone('+4915112345678'),
    );
    await Promise.all(leads.map((data) => h.publish(EventTypes.leadIngested, data, { workspaceId: ws })));
    const attributions = await Promise.all(leads.map((data) => attributed(data.leadId)));
    expect(new Set(attributions.map((a) => a.contactId)).size).toBe(1);
    expect(attributions.filter((a) => a.isNewContact)).toHaveLength(1);
    expect(await liveContacts(ws)).toHaveLength(1);
  });

  it('never identifies people by invalid values', async () => {
    const ws = newWorkspace();
    const a = lead({ email: 'n/a', emailValid: false });
    const b = lead({ email: 'n/a', emailValid: false });
    for (const data of [a, b]) await h.publish(EventTypes.leadIngested, data, { workspaceId: ws });
    const [ra, rb] = await Promise.all([attributed(a.leadId), attributed(b.leadId)]);
    expect(ra.contactId).not.toBe(rb.contactId);
  });

  it('merges the newer contact into the older when a lead ties an email to another contact phone', async () => {
    const ws = newWorkspace();
    const byEmail = withEmail('dee@example.com');
    await h.publish(EventTypes.leadIngested, byEmail, { workspaceId: ws });
    const older = (await attributed(byEmail.leadId)).contactId;
    const byPhone = withPhone('+33612345678');
    await h.publish(EventTypes.leadIngested, byPhone, { workspaceId: ws });
    const newer = (await attributed(byPhone.leadId)).contactId;
    expect(newer).not.toBe(older);

    const both = withEmail('dee@example.com', { phone: '+33612345678', phoneValid: true });
    await h.publish(EventTypes.leadIngested, both, { workspaceId: ws });
    expect(await attributed(both.leadId)).toMatchObject({ contactId: older, isNewContact: false });
    const merged = events.find((e) => e.type === EventTypes.contactMerged && e.workspaceId === ws)?.data as ContactMergedData | undefined;
    expect(merged).toEqual({ survivorId: older, mergedId: newer });

    expect(await liveContacts(ws)).toEqual([{ id: older, email: 'dee@example.com', phone: '+33612345678' }]);
    const view = await h.request<ContactView>(RpcSubjects.contacts.contactGet, { workspaceId: ws, id: newer });
    expect(view).toMatchObject({ id: older, mergedIds: [newer], emails: ['dee@example.com'], phones: ['+33612345678'] });
    expect(view.leadIds).toEqual([byEmail.leadId, byPhone.leadId, both.leadId].sort());
    const ofMovedLead = await h.request<LeadContactReply>(RpcSubjects.contacts.leadContact, { workspaceId: ws, id: byPhone.leadId });
    expect(ofMovedLead).toEqual({ contactId: older });
  });

  it('resolves leads arriving together in turn, merging where one ties two contacts together', async () => {
    const ws = newWorkspace();
    const byEmail = withEmail('eve@example.com');
    await h.publish(EventTypes.leadIngested, byEmail, { workspaceId: ws });
    const older = (await attributed(byEmail.leadId)).contactId;
    const byPhone = withPhone('+4917612345678');
    await h.publish(EventTypes.leadIngested, byPhone, { workspaceId: ws });
    const newer = (await attributed(byPhone.leadId)).contactId;

    // Published at once, they reach the consumer together: the tie merges in its turn, the other
    // leads of the person land on the survivor, and a stranger gets a contact of her own.
    const together = [
      withEmail('eve@example.com', { firstName: 'Eve' }),
      withPhone('+4917612345678', { lastName: 'Stone' }),
      withEmail('eve@example.com', { phone: '+4917612345678', phoneValid: true }),
      withEmail('eve@example.com'),
      withPhone('+4917612345678'),
      withEmail('fay@example.com'),
      withEmail('fay@example.com', { phone: '+4917699999999', phoneValid: true }),
    ];
    await Promise.all(together.map((data) => h.publish(EventTypes.leadIngested, data, { workspaceId: ws })));
    const attributions = await Promise.all(together.map((data) => attributed(data.leadId)));

    const merged = events.find((e) => e.type === EventTypes.contactMerged && e.workspaceId === ws)?.data as ContactMergedData | undefined;
    expect(merged).toEqual({ survivorId: older, mergedId: newer });
    const live = await liveContacts(ws);
    expect(live).toHaveLength(2);
    expect(live).toContainEqual({ id: older, email: 'eve@example.com', phone: '+4917612345678' });
    const fay = attributions[5]?.contactId;
    expect(attributions[6]?.contactId).toBe(fay);
    expect(live).toContainEqual({ id: fay, email: 'fay@example.com', phone: '+4917699999999' });

    const view = await h.request<ContactView>(RpcSubjects.contacts.contactGet, { workspaceId: ws, id: older });
    expect(view).toMatchObject({ mergedIds: [newer], firstName: 'Eve', lastName: 'Stone' });
    expect(view.leadIds).toEqual([byEmail, byPhone, ...together.slice(0, 5)].map((l) => l.leadId).sort());
    for (const data of together.slice(0, 5)) {
      expect(await h.request<LeadContactReply>(RpcSubjects.contacts.leadContact, { workspaceId: ws, id: data.leadId })).toEqual({
        contactId: older,
      });
    }
    const rows = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts.contact_identities WHERE workspace_id = $1`, [
      ws,
    ]);
    expect(rows[0]?.n).toBe(4);
  });

  it('applies a lead delivered twice once', async () => {
    const ws = newWorkspace();
    const data = withEmail('twice@example.com');
    const envelope = await h.publish(EventTypes.leadIngested, data, { workspaceId: ws });
    await attributed(data.leadId);
    // Same event again (a redelivery) and a second event for the same lead.
    await h.jetstream.publish(`${h.namespace}.lead.ingested`, JSONCodec().encode(envelope));
    await h.publish(EventTypes.leadIngested, data, { workspaceId: ws });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await h.db.query(`SELECT lead_id FROM contacts.contact_leads WHERE lead_id = $1`, [data.leadId]);
    expect(rows).toHaveLength(1);
    expect(
      events.filter((e) => e.type === EventTypes.leadAttributed && (e.data as unknown as LeadAttributedData).leadId === data.leadId),
    ).toHaveLength(1);
  });

  it('keeps workspaces apart: one email in two workspaces is two contacts, invisible to each other', async () => {
    const [w1, w2] = [newWorkspace(), newWorkspace()];
    const a = withEmail('shared@example.com');
    const b = withEmail('shared@example.com');
    await h.publish(EventTypes.leadIngested, a, { workspaceId: w1 });
    await h.publish(EventTypes.leadIngested, b, { workspaceId: w2 });
    const [ra, rb] = await Promise.all([attributed(a.leadId), attributed(b.leadId)]);
    expect(ra.contactId).not.toBe(rb.contactId);
    const failure = await h.request(RpcSubjects.contacts.contactGet, { workspaceId: w2, id: ra.contactId }).catch((e: RpcFailure) => e);
    expect(failure).toMatchObject({ code: 'not_found' });
  });

  it('lists contacts by email and phone with cursor pagination', async () => {
    const ws = newWorkspace();
    const leads = [withEmail('l1@example.com'), withEmail('l2@example.com'), withPhone('+4930901821')];
    for (const data of leads) {
      await h.publish(EventTypes.leadIngested, data, { workspaceId: ws });
      await attributed(data.leadId);
    }
    const page = await h.request<{ items: Array<{ id: string }>; nextCursor: string | null }>(RpcSubjects.contacts.contactList, {
      workspaceId: ws,
      limit: 2,
    });
    expect(page.items).toHaveLength(2);
    const cursor = Buffer.from(page.nextCursor ?? '', 'base64url').toString();
    const rest = await h.request<{ items: Array<{ id: string }>; nextCursor: string | null }>(RpcSubjects.contacts.contactList, {
      workspaceId: ws,
      limit: 2,
      cursor,
    });
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    const byPhone = await h.request<{ items: Array<{ phone: string }> }>(RpcSubjects.contacts.contactList, {
      workspaceId: ws,
      limit: 5,
      phone: '+4930901821',
    });
    expect(byPhone.items.map((c) => c.phone)).toEqual(['+4930901821']);
  });

  it('loses nothing when killed mid-stream', async () => {
    const ws = newWorkspace();
    const leads = Array.from({ length: 60 }, (_, i) => withEmail(`k${i % 20}@example.com`));
    const publishing = Promise.all(leads.map((data) => h.publish(EventTypes.leadIngested, data, { workspaceId: ws })));
    await h.restart();
    await publishing;
    await h.waitForRows(
      `SELECT count(*)::int AS n FROM contacts.contact_leads WHERE workspace_id = $1`,
      [ws],
      (rows) => (rows[0] as { n: number }).n === 60,
      30000,
    );
    expect(await liveContacts(ws)).toHaveLength(20);
  });
});
