import {
  AppException,
  type ByIdRequest,
  type ContactLeadEntry,
  type ContactSummary,
  type ContactView,
  decodeKeysetCursor,
  ErrorCodes,
  isUuid,
  type LeadContactReply,
  type Page,
} from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { ContactRow } from './contact-row';
import { toSummary, toView } from './contact-views';
import { ContactsRepository } from './contacts.repository';
import type { ContactLeadsDto, ContactListDto } from './dto/contact-query.dto';

const badCursor = () => new AppException(ErrorCodes.invalidCursor, 'The cursor is not valid; use nextCursor from the previous page');

/** Reads contacts for admins, always inside one workspace; merged ids lead to their survivor. */
@Injectable()
export class ContactQueryService {
  constructor(private readonly contacts: ContactsRepository) {}

  async list(query: ContactListDto): Promise<Page<ContactSummary>> {
    let afterId: string | undefined;
    let after: { key: string; id: string } | undefined;
    if (query.cursor !== undefined) {
      // The gateway hands the cursor on as the client sent it: a last id when unsorted, a keyset cursor when sorted.
      if (query.sort) after = decodeKeysetCursor(query.cursor) ?? undefined;
      else afterId = isUuid(query.cursor) ? query.cursor : undefined;
      if (!after && !afterId) throw badCursor();
    }
    return this.contacts.listLive(
      query.workspaceId,
      {
        email: query.email,
        phone: query.phone,
        ownerId: query.ownerId,
        tag: query.tag,
        stage: query.stage,
        lifecycle: query.lifecycle,
        updatedSince: query.updatedSince,
        q: query.q,
        includeDeleted: query.includeDeleted,
        afterId,
        sort: query.sort ? { by: query.sort, order: query.order ?? 'desc', after } : undefined,
        limit: query.limit,
      },
      toSummary,
    );
  }

  async get(query: ByIdRequest): Promise<ContactView> {
    const row = await this.contacts.findLive(query.workspaceId, query.id);
    if (!row) throw new AppException(ErrorCodes.notFound, `No contact ${query.id}`);
    return this.view(row);
  }

  /** A contact as the API shows it, with its identities, leads and merged ids. */
  async view(row: ContactRow): Promise<ContactView> {
    return toView(row, await this.contacts.linksOf(row.workspace_id, row.id));
  }

  /** The leads attributed to a contact (a merged id: to its survivor), newest first. */
  async leads(query: ContactLeadsDto): Promise<Page<ContactLeadEntry>> {
    const row = await this.contacts.findLive(query.workspaceId, query.id);
    if (!row) throw new AppException(ErrorCodes.notFound, `No contact ${query.id}`);
    return this.contacts.leadsOf(query.workspaceId, row.id, query.cursor, query.limit);
  }

  async contactOfLead(query: ByIdRequest): Promise<LeadContactReply> {
    const contactId = await this.contacts.contactOfLead(query.workspaceId, query.id);
    if (!contactId) throw new AppException(ErrorCodes.notFound, `Lead ${query.id} is not attributed to a contact (yet)`);
    return { contactId };
  }
}
