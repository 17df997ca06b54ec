import {
  AppException,
  ErrorCodes,
  type LeadConvertReply,
  type LeadView,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type OpportunityFields,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import { leadAuditTarget } from '../audit/audit-erasure.handler';
import type { Principal } from '../auth/principal';

/**
 * Lead conversion: the lead is looked up in ingestion (404 when it is not the workspace's; its
 * source and offer go with the conversion, for reports), then contacts converts it in one
 * transaction. A conversion done now is audited; a replay is not (it changed nothing).
 */
@Injectable()
export class LeadConversionService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async convert(
    caller: Principal,
    workspaceId: string,
    leadId: string,
    idempotencyKey: string | null,
    body: { contactId?: string; opportunity?: OpportunityFields },
  ): Promise<LeadConvertReply> {
    const lead = await this.rpc.request<LeadView>(RpcSubjects.ingestion.leadGet, { workspaceId, id: leadId });
    const reply = await this.rpc.request<LeadConvertReply>(RpcSubjects.contacts.leadConvert, {
      workspaceId,
      actor: caller.actor,
      leadId,
      idempotencyKey,
      source: lead.source,
      offer: lead.offer,
      ...(body.contactId === undefined ? {} : { contactId: body.contactId }),
      ...(body.opportunity === undefined ? {} : { opportunity: body.opportunity }),
    });
    if (!reply.replayed) {
      await this.audit.record(this.dataSource.manager, caller, {
        workspaceId,
        action: 'lead.convert',
        target: leadAuditTarget(leadId),
        after: reply.conversion,
      });
    }
    return reply;
  }
}

/** The request's Idempotency-Key, if any: 1 to 255 characters, else 400 `invalid_idempotency_key`. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return null;
  const key = Array.isArray(header) ? header.join(',') : header;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new AppException(ErrorCodes.invalidIdempotencyKey, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}
