import type { Stage } from '@leadflow/contracts';

/** Lowest score of each stage above `cold`, highest first. */
export const STAGE_THRESHOLDS: ReadonlyArray<{ stage: Stage; minScore: number }> = [
  { stage: 'qualified', minScore: 100 },
  { stage: 'hot', minScore: 50 },
  { stage: 'warm', minScore: 20 },
];

/** cold < 20 ≤ warm < 50 ≤ hot < 100 ≤ qualified; a negative score is cold. */
export function stageForScore(score: number): Stage {
  return STAGE_THRESHOLDS.find((t) => score >= t.minScore)?.stage ?? 'cold';
}
