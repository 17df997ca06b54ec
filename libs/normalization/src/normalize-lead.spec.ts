import type { NormalizedLead, ParseIssue } from '@leadflow/contracts';
import { fingerprint } from './canonical-json';
import { parseLeadBody } from './lead-body';
import { LEAD_FIELD_SPELLINGS, normalizeLead } from './normalize-lead';

const KNOWN_SPELLINGS: string[] = Object.values(LEAD_FIELD_SPELLINGS).flat();

function issueFor(lead: NormalizedLead, field: string): ParseIssue | undefined {
  return lead.issues.find((issue) => issue.field === field);
}

describe('normalizeLead', () => {
  it('reads a complete, clean lead without issues', () => {
    const lead = normalizeLead({
      firstName: 'Anna',
      lastName: 'Schmidt',
      email: 'anna@example.com',
      phone: '+49 151 12345678',
      country: 'DE',
      lang: 'de',
      ip: '203.0.113.7',
      offer: 'summer-sale',
      click_id: 'c-1',
      creo: 'banner-2',
      description: 'called back',
      domain: 'example.com',
      marker: 'm1',
      sourcetype: 'fb',
    });
    expect(lead).toEqual({
      firstName: 'Anna',
      lastName: 'Schmidt',
      email: 'anna@example.com',
      emailValid: true,
      phone: '+4915112345678',
      phoneValid: true,
      country: 'DE',
      language: 'de',
      ip: '203.0.113.7',
      offer: 'summer-sale',
      clickId: 'c-1',
      creo: 'banner-2',
      description: 'called back',
      domain: 'example.com',
      marker: 'm1',
      sourcetype: 'fb',
      extra: {},
      issues: [],
    });
  });

  it('reads the other spellings of names, language and click id', () => {
    expect(normalizeLead({ first_name: 'A', last_name: 'B', language: 'en', clickId: 'c' })).toMatchObject({
      firstName: 'A',
      lastName: 'B',
      language: 'en',
      clickId: 'c',
    });
    expect(normalizeLead({ firstname: 'A', lastname: 'B' })).toMatchObject({ firstName: 'A', lastName: 'B' });
  });

  it('takes the first listed spelling that carries a value and keeps the others out of extra', () => {
    const lead = normalizeLead({ first_name: 'Second', firstName: 'First', firstname: 'Third' });
    expect(lead.firstName).toBe('First');
    expect(lead.extra).toEqual({});
    expect(normalizeLead({ firstName: '  ', first_name: null, firstname: 'Third' }).firstName).toBe('Third');
  });

  it('treats keys as case-sensitive, keeping other casings in extra', () => {
    const lead = normalizeLead({ Email: 'a@b.de', FIRSTNAME: 'A' });
    expect(lead.email).toBeNull();
    expect(lead.firstName).toBeNull();
    expect(lead.extra).toEqual({ Email: 'a@b.de', FIRSTNAME: 'A' });
  });

  it('keeps unknown fields in extra exactly as sent', () => {
    const nested = { utm: { source: 'fb' }, list: [1, 'two', null], flag: false };
    const lead = normalizeLead({ email: 'a@b.de', ...nested, note: '  padded  ' });
    expect(lead.extra).toEqual({ ...nested, note: '  padded  ' });
    expect(lead.extra['utm']).toBe(nested.utm);
  });

  describe('text fields', () => {
    it('trims strings and reads blank or null ones as null without an issue', () => {
      const lead = normalizeLead({ offer: '  o1 \n', creo: '   ', marker: '', domain: null, description: undefined });
      expect(lead).toMatchObject({ offer: 'o1', creo: null, marker: null, domain: null, description: null });
      expect(lead.issues).toEqual([]);
    });

    it('collapses inner whitespace in names only', () => {
      const lead = normalizeLead({ firstName: ' Anna \t Maria\n', lastName: 'von  der   Heide', description: 'two  spaces' });
      expect(lead).toMatchObject({ firstName: 'Anna Maria', lastName: 'von der Heide', description: 'two  spaces' });
    });

    it('converts numbers to strings', () => {
      const lead = normalizeLead({ offer: 123, click_id: 1.5, marker: 0, phone: 4915112345678, firstName: -1 });
      expect(lead).toMatchObject({ offer: '123', clickId: '1.5', marker: '0', phone: '+4915112345678', phoneValid: true, firstName: '-1' });
      expect(lead.issues).toEqual([]);
    });

    it.each([
      ['true', true],
      ['false', false],
      ['an object', { a: 1 }],
      ['an empty object', {}],
      ['an array', ['a']],
      ['an empty array', []],
      ['NaN', Number.NaN],
    ])('reads %s in any known field as null with an "expected a string" issue', (_, value) => {
      for (const spelling of KNOWN_SPELLINGS) {
        const lead = normalizeLead({ [spelling]: value });
        const values = Object.entries(lead).filter(([key]) => key !== 'extra' && key !== 'issues' && !key.endsWith('Valid'));
        expect(values.every(([, normalized]) => normalized === null)).toBe(true);
        expect(lead.issues).toEqual([{ field: spelling, reason: 'expected a string', value: expect.any(String) }]);
        expect(lead.extra).toEqual({});
      }
    });

    it('shows the offending value in the issue as JSON', () => {
      expect(issueFor(normalizeLead({ offer: { id: 7 } }), 'offer')?.value).toBe('{"id":7}');
      expect(issueFor(normalizeLead({ offer: true }), 'offer')?.value).toBe('true');
    });

    it('cuts text over 500 characters, with an issue holding at most 100 characters of it', () => {
      const lead = normalizeLead({ description: 'd'.repeat(1_000_000), first_name: 'n'.repeat(501) });
      expect(lead.description).toHaveLength(500);
      expect(lead.firstName).toHaveLength(500);
      expect(issueFor(lead, 'description')).toEqual({
        field: 'description',
        reason: 'longer than 500 characters, cut',
        value: expect.any(String),
      });
      expect(issueFor(lead, 'first_name')?.reason).toBe('longer than 500 characters, cut');
      expect(lead.issues.every((issue) => (issue.value ?? '').length <= 100)).toBe(true);
    });

    it('keeps exactly 500 characters without an issue', () => {
      const lead = normalizeLead({ description: 'd'.repeat(500) });
      expect(lead.description).toHaveLength(500);
      expect(lead.issues).toEqual([]);
    });

    it('removes NUL characters and replaces lone surrogates', () => {
      const lead = normalizeLead({ firstName: 'An\u0000na', lastName: 'Sch\uD800midt', offer: '\u0000' });
      expect(lead).toMatchObject({ firstName: 'Anna', lastName: 'Sch\uFFFDmidt', offer: null });
    });
  });

  describe('email', () => {
    it('trims and lower-cases a valid address', () => {
      expect(normalizeLead({ email: '  Anna@Example.COM ' })).toMatchObject({ email: 'anna@example.com', emailValid: true, issues: [] });
    });

    it('keeps an invalid address, flagged and with an issue', () => {
      const lead = normalizeLead({ email: ' Anna AT example ' });
      expect(lead).toMatchObject({ email: 'anna at example', emailValid: false });
      expect(lead.issues).toEqual([{ field: 'email', reason: 'not a valid email address', value: 'anna at example' }]);
    });

    it('reads a missing address as null and not valid, without an issue', () => {
      expect(normalizeLead({})).toMatchObject({ email: null, emailValid: false, issues: [] });
    });
  });

  describe('phone', () => {
    it('reads a national number with the lead’s own country', () => {
      expect(normalizeLead({ phone: '0151 1234 5678', country: 'Germany' })).toMatchObject({ phone: '+4915112345678', phoneValid: true });
      expect(normalizeLead({ phone: '(202) 555-0143', country: 'usa' })).toMatchObject({ phone: '+12025550143', phoneValid: true });
    });

    it('reads the 00 international prefix and formatting characters', () => {
      expect(normalizeLead({ phone: '00 49 (151) 123-456-78' })).toMatchObject({ phone: '+4915112345678', phoneValid: true });
    });

    it('keeps E.164 for a number that cannot exist, with an issue', () => {
      const lead = normalizeLead({ phone: '(555) 123-4567', country: 'US' });
      expect(lead).toMatchObject({ phone: '+15551234567', phoneValid: false });
      expect(lead.issues).toEqual([{ field: 'phone', reason: 'not a valid phone number', value: '(555) 123-4567' }]);
    });

    it('reads text that is no number as null, with an issue', () => {
      const lead = normalizeLead({ phone: 'call me' });
      expect(lead).toMatchObject({ phone: null, phoneValid: false });
      expect(lead.issues).toEqual([{ field: 'phone', reason: 'not a phone number', value: 'call me' }]);
    });

    it('cannot read a national number without a country', () => {
      expect(normalizeLead({ phone: '0151 12345678' })).toMatchObject({ phone: null, phoneValid: false });
    });
  });

  describe('country, language and ip', () => {
    it.each([
      ['de', 'DE'],
      ['DEU', 'DE'],
      ['united states', 'US'],
      ['UK', 'GB'],
    ])('reads country %j as %s', (input, expected) => {
      expect(normalizeLead({ country: input })).toMatchObject({ country: expected, issues: [] });
    });

    it('reads an unknown country as null, with an issue', () => {
      expect(normalizeLead({ country: 'Atlantis' })).toMatchObject({
        country: null,
        issues: [{ field: 'country', reason: 'unknown country', value: 'Atlantis' }],
      });
    });

    it.each([
      ['lang', 'EN', 'en'],
      ['lang', 'en-US', 'en'],
      ['language', 'en_GB', 'en'],
      ['language', 'German', 'de'],
    ])('reads %s %j as %s', (key, input, expected) => {
      expect(normalizeLead({ [key]: input })).toMatchObject({ language: expected, issues: [] });
    });

    it('reads an unknown language as null, naming the spelling used', () => {
      expect(normalizeLead({ language: 'Elvish' })).toMatchObject({
        language: null,
        issues: [{ field: 'language', reason: 'unknown language', value: 'Elvish' }],
      });
    });

    it.each([
      ['203.0.113.7', '203.0.113.7'],
      ['2001:DB8::1', '2001:db8::1'],
      ['::ffff:203.0.113.7', '203.0.113.7'],
    ])('reads ip %j as %s', (input, expected) => {
      expect(normalizeLead({ ip: input })).toMatchObject({ ip: expected, issues: [] });
    });

    it('reads an invalid ip as null, with an issue', () => {
      expect(normalizeLead({ ip: '300.1.1.1' })).toMatchObject({
        ip: null,
        issues: [{ field: 'ip', reason: 'not an IP address', value: '300.1.1.1' }],
      });
    });
  });

  describe('hostile payloads', () => {
    it('normalizes what parseLeadBody gives, from hostile bytes to a storable lead', () => {
      const body = '\uFEFF{"__proto__":{"x":1},"first_name":"  An\\u0000na \\ud800 ","phone":4915112345678,"lang":true,"x":[1]}';
      const parsed = parseLeadBody('json', Buffer.from(body, 'utf8'));
      if (!parsed.ok) throw new Error(parsed.reason);
      const lead = normalizeLead(parsed.payload);
      expect(lead).toMatchObject({ firstName: 'Anna \uFFFD', phone: '+4915112345678', phoneValid: true, language: null });
      expect(lead.issues).toEqual([{ field: 'lang', reason: 'expected a string', value: 'true' }]);
      expect(Object.keys(lead.extra)).toEqual(['__proto__', 'x']);
      expect(fingerprint(parsed.payload)).toBe(fingerprint(JSON.parse(JSON.stringify(parsed.payload))));
    });

    it('keeps __proto__ and constructor keys as ordinary own properties of extra', () => {
      const payload = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"email":"a@b.de"}');
      const lead = normalizeLead(payload);
      expect(Object.getPrototypeOf(lead.extra)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(lead.extra, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.hasOwn(lead.extra, 'constructor')).toBe(true);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('does not read known fields from the prototype chain', () => {
      const payload = Object.create({ email: 'inherited@example.com' }) as Record<string, unknown>;
      expect(normalizeLead(payload).email).toBeNull();
    });

    it('keeps issue values storable: no NUL, no lone surrogates, at most 100 characters', () => {
      const lead = normalizeLead({ country: `\uDC00Atlan\u0000tis${'x'.repeat(200)}`, offer: ['\u0000\uD800'] });
      expect(lead.issues).toHaveLength(2);
      for (const issue of lead.issues) {
        expect(issue.value).not.toContain('\u0000');
        expect((issue.value as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
        expect((issue.value ?? '').length).toBeLessThanOrEqual(100);
      }
    });

    it('survives a circular value and 10k-deep nesting in a known field', () => {
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      let deep: unknown = {};
      for (let i = 0; i < 10_000; i++) deep = { a: deep };
      const lead = normalizeLead({ offer: circular, description: deep });
      expect(lead).toMatchObject({ offer: null, description: null });
      expect(lead.issues.map((issue) => issue.reason)).toEqual(['expected a string', 'expected a string']);
    });

    it('keeps 10k-deep nesting in extra untouched', () => {
      let deep: unknown = {};
      for (let i = 0; i < 10_000; i++) deep = { a: deep };
      expect(normalizeLead({ deep }).extra['deep']).toBe(deep);
    });

    it('reads a BigInt as text', () => {
      expect(normalizeLead({ offer: 12345678901234567890n }).offer).toBe('12345678901234567890');
    });

    it('never throws, even for a payload whose getter or proxy throws or that is not an object', () => {
      const trap = Object.defineProperty({}, 'email', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      }) as Record<string, unknown>;
      const hostile = new Proxy(
        {},
        {
          ownKeys() {
            throw { toString: () => 'not an error' };
          },
        },
      );
      for (const payload of [trap, hostile, null, undefined]) {
        const lead = normalizeLead(payload as unknown as Record<string, unknown>);
        expect(lead.email).toBeNull();
        expect(lead.issues).toEqual([{ field: '*', reason: expect.stringMatching(/^payload could not be read: /) }]);
      }
    });

    it('reads a payload with every known field set to a 1 MB string within bounds', () => {
      const huge = ' \u0000x'.repeat(350_000);
      const lead = normalizeLead(Object.fromEntries(KNOWN_SPELLINGS.map((spelling) => [spelling, huge])));
      const texts = Object.values(lead).filter((value): value is string => typeof value === 'string');
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.every((text) => text.length <= 500 && !text.includes('\u0000'))).toBe(true);
      expect(lead.issues.every((issue) => (issue.value ?? '').length <= 100)).toBe(true);
    });
  });
});
