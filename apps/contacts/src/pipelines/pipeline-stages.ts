import { AppException, ErrorCodes, type OpportunityStatus, type PipelineStage } from '@leadflow/contracts';

export const STAGE_KEY_PATTERN = /^[a-z0-9_]{1,64}$/;
export const MAX_STAGES = 50;

/**
 * A pipeline's stages as a whole: keys unique, a won stage is closed, and at least one open stage
 * (where a new opportunity starts unless told otherwise).
 */
export function checkStages(stages: readonly PipelineStage[]): void {
  const keys = new Set<string>();
  for (const stage of stages) {
    if (keys.has(stage.key)) throw new AppException(ErrorCodes.validationFailed, `stage key ${stage.key} appears twice`);
    keys.add(stage.key);
    if (stage.won && !stage.closed) throw new AppException(ErrorCodes.validationFailed, `stage ${stage.key} is won but not closed`);
  }
  if (!stages.some((stage) => !stage.closed)) {
    throw new AppException(ErrorCodes.validationFailed, 'a pipeline needs at least one open stage');
  }
}

/** The stage of `key` in these stages, or 422 `unknown_stage`. */
export function stageOf(stages: readonly PipelineStage[], key: string, pipelineId: string): PipelineStage {
  const stage = stages.find((candidate) => candidate.key === key);
  if (!stage) throw new AppException(ErrorCodes.unknownStage, `pipeline ${pipelineId} has no stage ${JSON.stringify(key.slice(0, 64))}`);
  return stage;
}

/** Where a new opportunity starts: the first open stage. */
export function firstOpenStage(stages: readonly PipelineStage[]): PipelineStage {
  const stage = stages.find((candidate) => !candidate.closed);
  if (!stage) throw new Error('a pipeline without an open stage');
  return stage;
}

export function statusOf(stage: PipelineStage): OpportunityStatus {
  if (!stage.closed) return 'open';
  return stage.won ? 'won' : 'lost';
}
