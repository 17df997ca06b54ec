import {
  type AddSuppressionReply,
  type AddSuppressionRequest,
  AppException,
  type ByIdQuery,
  type ErasureStepReply,
  type ErasureStepRequest,
  ErrorCodes,
  type LeadExportReply,
  type LeadExportRequest,
  MAX_EXPORT_BODY_BYTES,
  MAX_EXPORT_LEADS_PER_CALL,
  MAX_EXPORT_REJECTED,
  type Page,
  type RejectedExportReply,
  type RejectedExportRequest,
  type SuppressionListRequest,
  type SuppressionView,
} from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ErasureRepository } from './erasure.repository';
import { SuppressionRepository } from './suppression.repository';

/** GDPR requests answered by ingestion: the suppression list, lead export, and its erasure steps. */
@Injectable()
export class PrivacyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionRepository,
    private readonly erasures: ErasureRepository,
    private readonly steps: ErasureStepsRepository,
  ) {}

  listSuppressions(query: SuppressionListRequest): Promise<Page<SuppressionView>> {
    return this.suppressions.list(query.workspaceId, { cursor: query.cursor, limit: query.limit });
  }

  async addSuppression(request: AddSuppressionRequest): Promise<AddSuppressionReply> {
    const [row] = await this.dataSource.transaction((manager) =>
      this.suppressions.add(manager, request.workspaceId, [
        { kind: request.kind, hash: request.hash, reason: 'manual', erasureId: null, createdBy: request.createdBy },
      ]),
    );
    if (!row) throw new Error('a suppression was neither added nor found');
    const { created, ...suppression } = row;
    return { suppression, created };
  }

  async removeSuppression(query: ByIdQuery): Promise<SuppressionView> {
    const removed = await this.suppressions.remove(query.workspaceId, query.id);
    if (!removed) throw new AppException(ErrorCodes.notFound, `No suppression ${query.id}`);
    return removed;
  }

  async exportLeads(request: LeadExportRequest): Promise<LeadExportReply> {
    if (request.leadIds.length > MAX_EXPORT_LEADS_PER_CALL) {
      throw new AppException(ErrorCodes.validationFailed, `At most ${MAX_EXPORT_LEADS_PER_CALL} leads per call`);
    }
    return { leads: await this.erasures.exportLeads(request.workspaceId, request.leadIds, MAX_EXPORT_BODY_BYTES) };
  }

  /** Refused requests tied to the person by their content: the emails and phones of their leads. */
  async exportRejected(request: RejectedExportRequest): Promise<RejectedExportReply> {
    const values = await this.erasures.clearIdentitiesOf(this.dataSource, request.workspaceId, request.leadIds);
    return { rejectedRequests: await this.erasures.exportRejected(request.workspaceId, values, MAX_EXPORT_REJECTED) };
  }

  async erasureStep(request: ErasureStepRequest): Promise<ErasureStepReply> {
    return { step: await this.steps.find(request.workspaceId, request.erasureId) };
  }
}
