import type { ContactSummary, ContactView } from '@leadflow/contracts';
import type { ContactRow } from './contact-row';
import type { Identity } from './identity';

export function toSummary(row: ContactRow): ContactSummary {
  return {
    id: row.id,
    version: Number(row.version),
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    company: row.company,
    title: row.title,
    country: row.country,
    ownerId: row.owner_id,
    tags: row.tags,
    lifecycle: row.lifecycle,
    stage: row.stage,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    deletedAt: row.deleted_at?.toISOString() ?? null,
  };
}

export interface ContactLinks {
  identities: Identity[];
  leadIds: string[];
  mergedIds: string[];
}

export function toView(row: ContactRow, links: ContactLinks): ContactView {
  return {
    ...toSummary(row),
    workspaceId: row.workspace_id,
    emails: links.identities.filter((i) => i.kind === 'email').map((i) => i.value),
    phones: links.identities.filter((i) => i.kind === 'phone').map((i) => i.value),
    leadIds: links.leadIds,
    mergedIds: links.mergedIds,
    properties: row.properties,
    parseIssues: row.parse_issues,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
  };
}
