import { type ColumnPlan, planColumns, readImportRow } from './import-row';

function planOf(header: string[], mapping: Record<string, string> | null = null): ColumnPlan {
  const planned = planColumns(header, mapping);
  if ('missing' in planned) throw new Error(`missing ${planned.missing.join(', ')}`);
  return planned.plan;
}

describe('planning columns', () => {
  it('feeds fields from columns named like them by default, case-insensitive, ignoring the others', () => {
    const plan = planOf(['EMAIL', 'Phone', 'firstname', 'Notes']);
    expect(plan.fields).toEqual({
      email: { index: 0, column: 'EMAIL' },
      phone: { index: 1, column: 'Phone' },
      firstName: { index: 2, column: 'firstname' },
    });
    expect(plan.properties).toEqual([]);
  });

  it('follows a mapping instead, properties included', () => {
    const plan = planOf(['E-Mail', 'email', 'Plan'], { 'E-Mail': 'email', plan: 'properties.plan' });
    expect(plan.fields).toEqual({ email: { index: 0, column: 'E-Mail' } });
    expect(plan.properties).toEqual([{ key: 'plan', index: 2, column: 'Plan' }]);
  });

  it('names the mapped columns the header lacks', () => {
    expect(planColumns(['email'], { email: 'email', Mobile: 'phone', Plan: 'properties.plan' })).toEqual({ missing: ['Mobile', 'Plan'] });
  });
});

describe('reading a row', () => {
  const plan = planOf(['email', 'phone', 'firstName', 'lastName', 'company', 'title', 'country', 'tags', 'plan'], {
    email: 'email',
    phone: 'phone',
    firstName: 'firstName',
    lastName: 'lastName',
    company: 'company',
    title: 'title',
    country: 'country',
    tags: 'tags',
    plan: 'properties.plan',
  });

  it('normalizes a full row into a contact with its identities', () => {
    const read = readImportRow(
      [' Ana@Example.COM ', '030 901820', ' Ana ', 'Lima', 'Acme', 'CTO', 'Germany', 'vip; beta,vip', 'gold'],
      plan,
    );
    expect(read).toEqual({
      contact: {
        email: 'ana@example.com',
        phone: '+4930901820',
        firstName: 'Ana',
        lastName: 'Lima',
        company: 'Acme',
        title: 'CTO',
        country: 'DE',
        tags: ['vip', 'beta'],
        properties: { plan: 'gold' },
        identities: [
          { kind: 'email', value: 'ana@example.com' },
          { kind: 'phone', value: '+4930901820' },
        ],
      },
    });
  });

  it('takes a row with an email or a phone alone; empty cells are absent', () => {
    const read = readImportRow(['', '+49 151 12345678', '', '', '', '', '', '', ''], plan);
    expect(read).toMatchObject({ contact: { email: null, phone: '+4915112345678', firstName: null, tags: [], properties: {} } });
  });

  it('refuses an invalid email or phone with the column and code, rather than importing without it', () => {
    expect(readImportRow(['not-an-email', '+4915112345678', '', '', '', '', '', '', ''], plan)).toEqual({
      problems: [{ column: 'email', code: 'invalid_email', message: '"not-an-email" is not a valid email address' }],
    });
    expect(readImportRow(['a@example.com', '+49 12', '', '', '', '', '', '', ''], plan)).toEqual({
      problems: [{ column: 'phone', code: 'invalid_phone', message: '"+49 12" is not a valid phone number' }],
    });
  });

  it('needs an email or a phone', () => {
    expect(readImportRow(['', '', 'Ana', '', '', '', '', '', ''], plan)).toEqual({
      problems: [{ column: null, code: 'missing_identity', message: 'a row needs an email or a phone number' }],
    });
  });

  it('lists every problem of a row', () => {
    const read = readImportRow(['x@', '', '', '', '', '', 'Atlantis', '', ''], plan);
    expect('problems' in read && read.problems.map((p) => p.code)).toEqual(['invalid_country', 'invalid_email']);
  });

  it('refuses a row whose field count differs from the header', () => {
    expect(readImportRow(['a@example.com', ''], plan)).toEqual({
      problems: [{ column: null, code: 'column_count', message: 'expected 9 fields as in the header, found 2' }],
    });
  });

  it('refuses overlong values', () => {
    const read = readImportRow(['a@example.com', '', 'x'.repeat(501), '', '', '', '', '', ''], plan);
    expect(read).toEqual({ problems: [{ column: 'firstName', code: 'too_long', message: 'firstName is longer than 500 characters' }] });
  });
});
