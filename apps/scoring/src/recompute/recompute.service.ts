import { AppException, ErrorCodes, isUuid, type RecomputeView } from '@leadflow/contracts';
import { type Job, JobQueue, JobWorker, PermanentJobFailure, Scheduler } from '@leadflow/jobs';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { EngineRule, StageThresholds } from '../engine/score-engine';
import { type RuleBody, ruleFromBody, thresholdsFromBody } from '../rules/rule-body';
import { RulesService } from '../rules/rules.service';
import { ScoreRecalculator } from '../scores/score-recalculator';
import { type ContactKey, ScoreRepository } from '../scores/score.repository';
import { type RecomputeFilter, RecomputeRepository, type RecomputeRun } from './recompute.repository';

export const RECOMPUTE_JOB_KIND = 'scoring.recompute';
export const DECAY_SCHEDULE = 'scoring.decay';
export const SCORING_JOB_OPTIONS = Symbol('SCORING_JOB_OPTIONS');

export interface ScoringJobOptions {
  /** How often decay rescores the contacts holding decaying points (once per interval across replicas). */
  decayIntervalMs: number;
  /** Contacts rescored per transaction by a recompute or a decay run. */
  batchSize: number;
}

export interface RecomputeRequest {
  workspaceId: string;
  dryRun?: boolean;
  filter?: RecomputeFilter;
  /** Draft rules and thresholds to backtest (dry run only); the workspace's own when absent. */
  rules?: RuleBody[];
  thresholds?: Partial<StageThresholds>;
}

interface Draft {
  rules?: EngineRule[];
  thresholds?: StageThresholds;
}

function view(run: RecomputeRun): RecomputeView {
  return { id: run.id, status: run.status, dryRun: run.dryRun, done: run.done, total: run.total, stageChanges: run.stageChanges };
}

/**
 * Rewrites scores from the stored activities after a rule or threshold change, as a background job
 * that walks the contacts in id order, a batch per transaction, recording its progress with each
 * batch (so a retried job resumes where it stopped). A dry run writes nothing but the count of
 * contacts whose stage would change, under draft rules if given. Decay is the same rescore, run by
 * a schedule for the contacts that hold decaying points.
 */
@Injectable()
export class RecomputeService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runs: RecomputeRepository,
    private readonly scores: ScoreRepository,
    private readonly recalculator: ScoreRecalculator,
    private readonly rules: RulesService,
    private readonly queue: JobQueue,
    private readonly worker: JobWorker,
    private readonly scheduler: Scheduler,
    @Inject(SCORING_JOB_OPTIONS) private readonly options: ScoringJobOptions,
  ) {}

  onModuleInit(): void {
    this.worker.handle<{ workspaceId: string; runId: string }>(RECOMPUTE_JOB_KIND, (job) => this.runJob(job));
    this.scheduler.add({
      name: DECAY_SCHEDULE,
      intervalMs: this.options.decayIntervalMs,
      run: async () => {
        await this.decay();
      },
    });
  }

  async start(request: RecomputeRequest): Promise<RecomputeView> {
    const dryRun = request.dryRun ?? false;
    if (!dryRun && (request.rules !== undefined || request.thresholds !== undefined)) {
      throw new AppException(
        ErrorCodes.invalidRule,
        'draft rules and thresholds are for a dry run; save them first to recompute with them',
      );
    }
    const filter: RecomputeFilter = {};
    if (request.filter?.stage) filter.stage = request.filter.stage;
    if (request.filter?.contactIds) {
      const ids = request.filter.contactIds.map((id) => id.trim().toLowerCase());
      if (!ids.every(isUuid)) throw new AppException(ErrorCodes.invalidId, 'contactIds must be contact ids (UUID)');
      filter.contactIds = ids;
    }
    const draft: Draft | undefined =
      request.rules !== undefined || request.thresholds !== undefined
        ? {
            rules: request.rules?.map((r) => ruleFromBody(r)),
            thresholds: request.thresholds ? thresholdsFromBody(request.thresholds) : undefined,
          }
        : undefined;
    const id = uuidv7();
    return this.dataSource.transaction(async (manager) => {
      const total = await this.runs.count(manager, request.workspaceId, filter);
      await this.runs.insert(manager, { id, workspaceId: request.workspaceId, dryRun, filter, draft, total });
      await this.queue.add(
        [{ kind: RECOMPUTE_JOB_KIND, workspaceId: request.workspaceId, payload: { workspaceId: request.workspaceId, runId: id } }],
        manager,
      );
      return view((await this.runs.find(manager, request.workspaceId, id)) as RecomputeRun);
    });
  }

  async get(workspaceId: string, id: string): Promise<RecomputeView> {
    if (!isUuid(id)) throw new AppException(ErrorCodes.invalidId, 'id must be a recompute id (UUID)');
    const run = await this.runs.find(this.dataSource.manager, workspaceId, id.toLowerCase());
    if (!run) throw new AppException(ErrorCodes.notFound, `no recompute ${id}`);
    return view(run);
  }

  /** One attempt of a run: batches until the contacts run out, each with its progress. */
  async runJob(job: Job<{ workspaceId: string; runId: string }>): Promise<void> {
    const { workspaceId, runId } = job.payload;
    for (;;) {
      const finished = await this.dataSource.transaction(async (manager) => {
        const run = await this.runs.find(manager, workspaceId, runId, true);
        if (!run) throw new PermanentJobFailure(`recompute ${runId} is gone`);
        if (run.status === 'done') return true;
        const ids = await this.runs.nextContacts(manager, workspaceId, run.filter, run.afterContactId, this.options.batchSize);
        if (ids.length === 0) {
          await this.runs.progress(manager, runId, { done: 0, stageChanges: 0, afterContactId: run.afterContactId, status: 'done' });
          return true;
        }
        const keys = ids.map((contactId) => ({ workspaceId, contactId }));
        const changed = run.dryRun ? await this.backtest(manager, keys, run.draft as Draft | null) : await this.rescore(manager, keys);
        await this.runs.progress(manager, runId, {
          done: ids.length,
          stageChanges: changed,
          afterContactId: ids[ids.length - 1] as string,
          status: 'running',
        });
        return false;
      });
      if (finished) return;
    }
  }

  /** Rescores locked contacts with their workspace's rules; how many changed stage. */
  private async rescore(manager: EntityManager, keys: ContactKey[]): Promise<number> {
    const locked = await this.scores.lockScores(manager, keys);
    const active = keys.flatMap((key, i) => {
      const lock = locked[i];
      return lock && lock.state === 'active' && !lock.created ? [{ key, before: { score: lock.score, stage: lock.stage } }] : [];
    });
    const done = await this.recalculator.recalculate(manager, active);
    return done.filter((d) => d.before.stage !== d.after.stage).length;
  }

  /** How many of these contacts would change stage under the draft, writing nothing. */
  private async backtest(manager: EntityManager, keys: ContactKey[], draft: Draft | null): Promise<number> {
    let ruleset: { rules: readonly EngineRule[]; thresholds: StageThresholds } | undefined;
    if (draft) {
      const own = await this.rules.ruleset(manager, keys[0]?.workspaceId as string);
      ruleset = { rules: draft.rules ?? own.rules, thresholds: draft.thresholds ?? own.thresholds };
    }
    const current = await Promise.all(keys.map((k) => this.scores.activeScore(manager, k.workspaceId, k.contactId)));
    const evaluated = await this.recalculator.evaluate(manager, keys, { ruleset });
    return evaluated.filter(({ result }, i) => current[i] && current[i]?.stage !== result.stage).length;
  }

  /** A decay run: rescores, a batch per transaction, every contact holding decaying points. */
  async decay(): Promise<number> {
    let after: ContactKey | null = null;
    let rescored = 0;
    for (;;) {
      const batch: ContactKey[] = await this.runs.decayingContacts(this.dataSource.manager, after, this.options.batchSize);
      if (batch.length === 0) return rescored;
      await this.dataSource.transaction((manager) => this.rescore(manager, batch));
      rescored += batch.length;
      after = batch[batch.length - 1] as ContactKey;
    }
  }
}
