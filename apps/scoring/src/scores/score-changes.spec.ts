import { type ChangeCause, scoreChangeEvents } from './score-changes';

const cause: ChangeCause = { activityId: 'lead-1', at: '2026-01-01T10:00:00.000Z', source: 'landing', offer: 'o1', country: 'DE' };

describe('scoreChangeEvents', () => {
  it('announces the first stage of a new contact as an entry from null', () => {
    expect(scoreChangeEvents('c1', { score: 0, stage: null }, { score: 10, stage: 'cold' }, cause)).toEqual({
      scoreChanged: { contactId: 'c1', score: 10, previousScore: 0, stage: 'cold', activityId: 'lead-1' },
      stageChanged: {
        contactId: 'c1',
        from: null,
        to: 'cold',
        at: cause.at,
        source: 'landing',
        offer: 'o1',
        country: 'DE',
        activityId: cause.activityId,
      },
    });
  });

  it('announces the first stage even when the score did not move', () => {
    const events = scoreChangeEvents('c1', { score: 0, stage: null }, { score: 0, stage: 'cold' }, cause);
    expect(events.scoreChanged).toBeUndefined();
    expect(events.stageChanged).toMatchObject({ from: null, to: 'cold' });
  });

  it('announces only the score when the stage stays', () => {
    const events = scoreChangeEvents('c1', { score: 10, stage: 'cold' }, { score: 15, stage: 'cold' }, cause);
    expect(events.scoreChanged).toMatchObject({ score: 15, previousScore: 10 });
    expect(events.stageChanged).toBeUndefined();
  });

  it('announces a stage change with the dimensions of its cause', () => {
    const events = scoreChangeEvents('c1', { score: 45, stage: 'warm' }, { score: 55, stage: 'hot' }, cause);
    expect(events.stageChanged).toEqual({
      contactId: 'c1',
      from: 'warm',
      to: 'hot',
      at: cause.at,
      source: 'landing',
      offer: 'o1',
      country: 'DE',
      activityId: cause.activityId,
    });
  });

  it('announces nothing when nothing changed', () => {
    expect(scoreChangeEvents('c1', { score: 20, stage: 'warm' }, { score: 20, stage: 'warm' }, cause)).toEqual({});
  });

  it('marks a recomputation after a merge with a null activity', () => {
    const merge: ChangeCause = { ...cause, activityId: null };
    expect(scoreChangeEvents('c1', { score: 10, stage: 'cold' }, { score: 25, stage: 'warm' }, merge).scoreChanged?.activityId).toBeNull();
  });
});
