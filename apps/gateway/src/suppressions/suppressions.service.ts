import {
  type AddSuppressionReply,
  AppException,
  ErrorCodes,
  type IdentityKind,
  type Page,
  RpcSubjects,
  type SuppressionView,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { identityHash } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import type { AddSuppressionDto } from './dto/suppression.dto';

/**
 * The workspace's suppression list, kept by ingestion (which checks every lead against it): clear
 * values are hashed here and never leave the gateway. Every change is audited.
 */
@Injectable()
export class SuppressionsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
  ) {}

  list(workspaceId: string, limit: number, cursor: string | undefined): Promise<Page<SuppressionView>> {
    return this.rpc.request(RpcSubjects.ingestion.suppressionList, { workspaceId, limit, cursor });
  }

  async add(caller: Principal, workspaceId: string, body: AddSuppressionDto): Promise<{ suppression: SuppressionView; created: boolean }> {
    const { kind, hash } = hashOf(body);
    const reply = await this.rpc.request<AddSuppressionReply>(RpcSubjects.ingestion.suppressionAdd, {
      workspaceId,
      kind,
      hash,
      createdBy: caller.actor,
    });
    if (reply.created) {
      await this.audit.recordAlone(caller, {
        workspaceId,
        action: 'suppression.add',
        target: `suppression:${reply.suppression.id}`,
        after: reply.suppression,
      });
    }
    return reply;
  }

  async remove(caller: Principal, workspaceId: string, id: string): Promise<void> {
    const removed = await this.rpc.request<SuppressionView>(RpcSubjects.ingestion.suppressionRemove, { workspaceId, id });
    await this.audit.recordAlone(caller, { workspaceId, action: 'suppression.remove', target: `suppression:${id}`, before: removed });
  }
}

/** The kind and hash a request names: exactly one of a clear email, a clear phone, or a hash with its kind. */
export function hashOf(body: AddSuppressionDto): { kind: IdentityKind; hash: string } {
  const given = [body.email, body.phone, body.hash].filter((value) => value !== undefined).length;
  if (given !== 1) throw new AppException(ErrorCodes.validationFailed, 'Send exactly one of email, phone, or hash with kind');
  if (body.hash !== undefined) {
    if (!body.kind) throw new AppException(ErrorCodes.validationFailed, 'kind must be given with hash');
    return { kind: body.kind, hash: body.hash };
  }
  const kind: IdentityKind = body.email !== undefined ? 'email' : 'phone';
  const hash = identityHash(kind, (body.email ?? body.phone) as string, body.country ?? null);
  if (!hash)
    throw new AppException(
      ErrorCodes.validationFailed,
      kind === 'email' ? 'email is not a valid email address' : 'phone is not a valid phone number',
    );
  return { kind, hash };
}
