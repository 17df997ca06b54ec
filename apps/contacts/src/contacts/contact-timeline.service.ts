import { AppException, type ContactTimelineReply, ErrorCodes, type TimelineEntry } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { ContactActivitiesRepository, type TimelineRow } from './contact-activities.repository';
import { ContactsRepository } from './contacts.repository';
import type { ContactTimelineDto } from './dto/contact-identity.dto';

/** Contacts' part of a contact's timeline: its leads, activities and merges, newest first. */
@Injectable()
export class ContactTimelineService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly activities: ContactActivitiesRepository,
  ) {}

  async timeline(query: ContactTimelineDto): Promise<ContactTimelineReply> {
    const contact = await this.contacts.findLive(query.workspaceId, query.id);
    if (!contact) throw new AppException(ErrorCodes.notFound, `No contact ${query.id}`);
    const rows = await this.activities.timeline(query.workspaceId, contact.id, query.before, query.limit);
    return { contactId: contact.id, entries: rows.map(entryOf) };
  }
}

function entryOf(row: TimelineRow): TimelineEntry {
  const base = { at: row.at.toISOString(), key: row.key };
  switch (row.kind) {
    case 'lead':
      return { ...base, kind: 'lead', leadId: row.ref };
    case 'activity':
      return {
        ...base,
        kind: 'activity',
        activityId: row.ref,
        activityKind: row.activity_kind ?? undefined,
        name: row.name ?? undefined,
        source: row.source,
        properties: row.properties ?? {},
      };
    case 'merge':
      return { ...base, kind: 'merge', mergedId: row.ref, name: row.name ?? undefined, source: row.source };
  }
}
