import { consumerFilter, serverAtLeast } from './provisioning';

describe('consumerFilter', () => {
  it('filters on the one subject an app handles, whatever the server', () => {
    expect(consumerFilter(['t1.lead.attributed'], false)).toEqual({ filter_subject: 't1.lead.attributed' });
    expect(consumerFilter(['t1.lead.attributed'], true)).toEqual({ filter_subject: 't1.lead.attributed' });
  });

  it('filters on several subjects only where the server can', () => {
    const subjects = ['t1.lead.attributed', 't1.contact.merged'];
    expect(consumerFilter(subjects, true)).toEqual({ filter_subjects: subjects });
    expect(consumerFilter(subjects, false)).toEqual({});
  });
});

describe('serverAtLeast', () => {
  it.each([
    ['2.10.0', true],
    ['2.10.22', true],
    ['2.11.1', true],
    ['3.0.0', true],
    ['2.9.10', false],
    ['1.12.0', false],
    ['', false],
    [undefined, false],
    ['v2', false],
  ])('%s is at least 2.10: %s', (version, expected) => {
    expect(serverAtLeast(version, 2, 10)).toBe(expected);
  });
});
