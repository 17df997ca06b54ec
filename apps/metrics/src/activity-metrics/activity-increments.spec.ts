import type { ActivityAttributedData, StageChangedData } from '@leadflow/contracts';
import { UncountableEventError } from '../lead-counters/counter-increments';
import { activityCount, stagesReached } from './activity-increments';

const data: ActivityAttributedData = {
  activityId: '0195f0b4-7c1e-7000-8000-000000000001',
  messageId: 'm-1',
  contactId: '0195f0b4-7c1e-7000-8000-0000000000c1',
  kind: 'page',
  name: 'page_view',
  properties: {},
  traits: {},
  occurredAt: '2026-03-02T01:30:00+02:00',
  receivedAt: '2026-03-05T10:00:00.000Z',
  source: 'web',
  anonymous: true,
  emailValid: false,
  phoneValid: false,
};

describe('activityCount', () => {
  it('counts an activity under its name on the UTC day it occurred', () => {
    expect(activityCount({ workspaceId: 'ws', data })).toEqual({
      workspaceId: 'ws',
      activityId: data.activityId,
      day: '2026-03-01',
      name: 'page_view',
    });
  });

  it('falls back to the day it was received when occurredAt falls on no countable day', () => {
    expect(activityCount({ workspaceId: 'ws', data: { ...data, occurredAt: '9999-12-31T23:30:00-01:00' } }).day).toBe('2026-03-05');
    expect(() => activityCount({ workspaceId: 'ws', data: { ...data, occurredAt: 'x', receivedAt: 'y' } })).toThrow(UncountableEventError);
  });
});

describe('stagesReached', () => {
  const change = (from: StageChangedData['from'], to: StageChangedData['to']) =>
    stagesReached({
      workspaceId: 'ws',
      data: { contactId: 'c1', from, to, at: '2026-03-01T00:00:00Z', source: 's', offer: null, country: null },
    }).map((r) => r.stage);

  it('reaches the stage moved to and every stage below it', () => {
    expect(change(null, 'cold')).toEqual(['cold']);
    expect(change(null, 'hot')).toEqual(['cold', 'warm', 'hot']);
    expect(change('cold', 'qualified')).toEqual(['cold', 'warm', 'hot', 'qualified']);
    // First seen from warm (its earlier changes made under a merged contact): cold was passed too.
    expect(change('warm', 'hot')).toEqual(['cold', 'warm', 'hot']);
    expect(change('hot', 'warm')).toEqual(['cold', 'warm']);
  });
});
