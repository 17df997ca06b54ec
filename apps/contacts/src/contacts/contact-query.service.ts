import {
  AppException,
  type ByIdRequest,
  type ContactSummary,
  type ContactView,
  ErrorCodes,
  type LeadContactReply,
  type Page,
} from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { ContactRow } from './contact-row';
import { ContactsRepository } from './contacts.repository';
import type { ContactListDto } from './dto/contact-query.dto';

function toSummary(row: ContactRow): ContactSummary {
  return {
    id: row.id,
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Reads contacts for admins, always inside one workspace; merged ids lead to their survivor. */
@Injectable()
export class ContactQueryService {
  constructor(private readonly contacts: ContactsRepository) {}

  list(query: ContactListDto): Promise<Page<ContactSummary>> {
    return this.contacts.listLive(
      query.workspaceId,
      { email: query.email, phone: query.phone, afterId: query.cursor, limit: query.limit },
      toSummary,
    );
  }

  async get(query: ByIdRequest): Promise<ContactView> {
    const row = await this.contacts.findLive(query.workspaceId, query.id);
    if (!row) throw new AppException(ErrorCodes.notFound, `No contact ${query.id}`);
    const { identities, leadIds, mergedIds } = await this.contacts.linksOf(row.workspace_id, row.id);
    return {
      ...toSummary(row),
      workspaceId: row.workspace_id,
      emails: identities.filter((i) => i.kind === 'email').map((i) => i.value),
      phones: identities.filter((i) => i.kind === 'phone').map((i) => i.value),
      leadIds,
      mergedIds,
    };
  }

  async contactOfLead(query: ByIdRequest): Promise<LeadContactReply> {
    const contactId = await this.contacts.contactOfLead(query.workspaceId, query.id);
    if (!contactId) throw new AppException(ErrorCodes.notFound, `Lead ${query.id} is not attributed to a contact (yet)`);
    return { contactId };
  }
}
