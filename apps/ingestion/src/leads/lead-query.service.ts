import {
  AppException,
  type ByIdRequest,
  ErrorCodes,
  type LeadSummary,
  type LeadView,
  MAX_LEAD_VIEW_BODY_BYTES,
  type Page,
} from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { LeadListDto } from './dto/lead-query.dto';
import { LeadRepository } from './lead.repository';

/** Reads leads for admins, always inside one workspace. */
@Injectable()
export class LeadQueryService {
  constructor(private readonly leads: LeadRepository) {}

  list(query: LeadListDto): Promise<Page<LeadSummary>> {
    const { workspaceId, cursor, limit, source, offer, email, from, to } = query;
    return this.leads.list(workspaceId, { source, offer, email: email?.trim().toLowerCase(), from, to }, { cursor, limit });
  }

  async get(query: ByIdRequest): Promise<LeadView> {
    const lead = await this.leads.get(query.workspaceId, query.id, MAX_LEAD_VIEW_BODY_BYTES);
    if (!lead) throw new AppException(ErrorCodes.notFound, `No lead ${query.id}`);
    const { raw, normalized } = lead;
    return {
      ...lead.summary,
      workspaceId: lead.workspaceId,
      idempotencyKey: lead.idempotencyKey,
      normalized: { ...normalized, extra: normalized.extra ?? {} },
      raw: {
        contentType: raw.contentType,
        body: raw.body.toString('utf8'),
        bodyBytes: raw.bodyBytes,
        truncated: raw.bodyBytes > raw.body.length,
        headers: raw.headers,
      },
      extraTruncated: normalized.extra === null,
      issues: normalized.issues,
    };
  }
}
