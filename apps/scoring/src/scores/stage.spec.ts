import { STAGES } from '@leadflow/contracts';
import { stageForScore } from './stage';

describe('stageForScore', () => {
  it.each([
    [-5, 'cold'],
    [0, 'cold'],
    [19, 'cold'],
    [20, 'warm'],
    [49, 'warm'],
    [50, 'hot'],
    [99, 'hot'],
    [100, 'qualified'],
    [10000, 'qualified'],
  ])('puts a score of %i in %s', (score, stage) => {
    expect(stageForScore(score)).toBe(stage);
  });

  it('never lowers the stage as the score grows, and reaches every stage in order', () => {
    const seen: string[] = [];
    for (let score = -10; score <= 150; score += 1) {
      const stage = stageForScore(score);
      if (seen[seen.length - 1] !== stage) seen.push(stage);
    }
    expect(seen).toEqual([...STAGES]);
  });
});
