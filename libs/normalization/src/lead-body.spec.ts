import { intakeMediaType, MAX_BODY_DEPTH, parseLeadBody, type LeadBodyResult } from './lead-body';

const json = (text: string): LeadBodyResult => parseLeadBody('json', Buffer.from(text, 'utf8'));
const form = (text: string): LeadBodyResult => parseLeadBody('form', Buffer.from(text, 'utf8'));

function payloadOf(result: LeadBodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a payload, got: ${result.reason}`);
  return result.payload;
}

function reasonOf(result: LeadBodyResult): string {
  if (result.ok) throw new Error('expected a rejection, got a payload');
  return result.reason;
}

function nestedObject(levels: number): string {
  return '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
}

describe('intakeMediaType', () => {
  it.each([
    ['application/json', 'json'],
    ['APPLICATION/JSON', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/json;charset="UTF-8"', 'json'],
    ['application/json; charset=utf8', 'json'],
    ['application/json; boundary=ignored', 'json'],
    ['application/vnd.api+json', 'json'],
    ['text/json', 'json'],
    ['  application/json  ', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['Application/X-WWW-Form-Urlencoded; Charset=UTF-8', 'form'],
  ])('reads %j as %s', (header, expected) => {
    expect(intakeMediaType(header)).toBe(expected);
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/jsonp',
    'application/xml',
    'text/vnd.x+json',
    'application/json/extra',
    'application/json, text/plain',
    'application/json; charset=iso-8859-1',
    'application/x-www-form-urlencoded; charset=windows-1252',
    'application',
  ])('refuses %j', (header) => {
    expect(intakeMediaType(header)).toBeNull();
  });
});

describe('parseLeadBody with JSON', () => {
  it('returns the object a JSON body holds', () => {
    expect(payloadOf(json('{"email":"a@b.de","age":30,"ok":true,"none":null,"tags":["x"]}'))).toEqual({
      email: 'a@b.de',
      age: 30,
      ok: true,
      none: null,
      tags: ['x'],
    });
  });

  it('ignores a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    expect(payloadOf(parseLeadBody('json', bytes))).toEqual({ a: 1 });
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(reasonOf(parseLeadBody('json', bytes))).toBe('body is not valid UTF-8');
  });

  it.each(['', '   ', '\n\t\r\n'])('refuses the empty body %j', (text) => {
    expect(reasonOf(json(text))).toBe('empty body');
  });

  it('refuses a body that holds only a byte order mark as empty', () => {
    expect(reasonOf(parseLeadBody('json', Buffer.from([0xef, 0xbb, 0xbf])))).toBe('empty body');
  });

  it('explains malformed JSON in one short line without a stack trace', () => {
    const reason = reasonOf(json('{"a":}'));
    expect(reason).toMatch(/^malformed JSON: /);
    expect(reason).not.toContain('\n');
    expect(reason).not.toMatch(/\bat JSON\.parse\b/);
  });

  it('keeps the reason short when a huge malformed body is quoted back', () => {
    const reason = reasonOf(json(`{"a":"${'x'.repeat(1_000_000)}" oops}`));
    expect(reason.length).toBeLessThanOrEqual(200);
  });

  it('refuses a raw NUL byte and keeps NUL out of the reason', () => {
    const reason = reasonOf(json('{"a":"x\u0000y"}'));
    expect(reason).toMatch(/^malformed JSON: /);
    expect(reason).not.toContain('\u0000');
  });

  it.each(['[]', '[{"a":1}]', 'null', '"lead"', '42', 'true'])('refuses the top-level value %s', (text) => {
    expect(reasonOf(json(text))).toBe('body must be a JSON object');
  });

  it(`accepts ${MAX_BODY_DEPTH} levels of nesting and refuses one more`, () => {
    expect(json(nestedObject(MAX_BODY_DEPTH)).ok).toBe(true);
    expect(reasonOf(json(nestedObject(MAX_BODY_DEPTH + 1)))).toBe('nested deeper than 32 levels');
  });

  it('counts arrays as levels of nesting', () => {
    const text = `{"a":${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}}`;
    expect(reasonOf(json(text))).toBe('nested deeper than 32 levels');
  });

  it('refuses 10k levels of nesting without overflowing the stack', () => {
    expect(reasonOf(json(nestedObject(10_000)))).toBe('nested deeper than 32 levels');
  });

  it('refuses half a million levels of arrays in a 1 MB body without throwing', () => {
    const levels = 500_000;
    expect(reasonOf(json(`{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`))).toBe('nested deeper than 32 levels');
    expect(json(`{"a":${'['.repeat(levels)}`).ok).toBe(false);
  });

  it('removes NUL characters from values and keys at every depth', () => {
    expect(payloadOf(json('{"na\\u0000me":"An\\u0000na","list":["\\u0000x"],"o":{"k\\u0000":"\\u0000"}}'))).toEqual({
      name: 'Anna',
      list: ['x'],
      o: { k: '' },
    });
  });

  it('replaces lone surrogates in values and keys with U+FFFD', () => {
    expect(payloadOf(json('{"k\\ud800":"v\\udc00","list":["\\ud83d"],"pair":"\\ud83d\\ude00"}'))).toEqual({
      'k\uFFFD': 'v\uFFFD',
      list: ['\uFFFD'],
      pair: '😀',
    });
  });

  it('keeps a __proto__ key as an ordinary own property at every depth', () => {
    const payload = payloadOf(json('{"__proto__":{"polluted":true},"o":{"__proto__":{"polluted":true}},"constructor":"c"}'));
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(payload, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(payload['o'])).toBe(Object.prototype);
    expect(Object.hasOwn(payload['o'] as object, '__proto__')).toBe(true);
    expect(payload['constructor']).toBe('c');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps a 1 MB string whole', () => {
    const big = 'x'.repeat(1_000_000);
    expect(payloadOf(json(JSON.stringify({ description: big })))['description']).toBe(big);
  });
});

describe('parseLeadBody with a form', () => {
  it('turns fields into an object, decoding + and percent escapes', () => {
    expect(payloadOf(form('first_name=Anna+Maria&email=anna%40example.com&city=K%C3%B6ln'))).toEqual({
      first_name: 'Anna Maria',
      email: 'anna@example.com',
      city: 'Köln',
    });
  });

  it('collects a repeated field into an array in the order sent', () => {
    expect(payloadOf(form('tag=b&x=1&tag=a&tag=c'))).toEqual({ tag: ['b', 'a', 'c'], x: '1' });
  });

  it('reads a field without a value as an empty string', () => {
    expect(payloadOf(form('a&b='))).toEqual({ a: '', b: '' });
  });

  it('refuses an empty body', () => {
    expect(reasonOf(form(''))).toBe('empty body');
  });

  it('refuses raw bytes that are not UTF-8', () => {
    expect(reasonOf(parseLeadBody('form', Buffer.from([0x61, 0x3d, 0xc3, 0x28])))).toBe('body is not valid UTF-8');
  });

  it('replaces percent-escaped bytes that are not UTF-8 with U+FFFD', () => {
    expect(payloadOf(form('a=%C3%28'))).toEqual({ a: '\uFFFD(' });
  });

  it('removes percent-escaped NUL characters from keys and values', () => {
    expect(payloadOf(form('na%00me=An%00na'))).toEqual({ name: 'Anna' });
  });

  it('ignores a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a=1')]);
    expect(payloadOf(parseLeadBody('form', bytes))).toEqual({ a: '1' });
  });

  it('keeps __proto__ and constructor fields as ordinary own properties', () => {
    const payload = payloadOf(form('__proto__=x&constructor=y&__proto__=z'));
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(payload, '__proto__')?.value).toEqual(['x', 'z']);
    expect(payload['constructor']).toBe('y');
  });
});

describe('the fingerprint of a parsed body', () => {
  const parsed = (mediaType: 'json' | 'form', text: string) => {
    const result = parseLeadBody(mediaType, Buffer.from(text, 'utf8'));
    if (!result.ok) throw new Error(result.reason);
    return result;
  };

  it('ignores key order and whitespace', () => {
    expect(parsed('json', '{"a":1,"b":"x"}').fingerprint).toBe(parsed('json', '{ "b": "x", "a": 1 }').fingerprint);
  });

  it('tells apart bodies that differ only in what storage cleans (NUL, lone surrogates)', () => {
    const plain = parsed('json', '{"firstName":"Ana"}');
    const withNul = parsed('json', '{"firstName":"Ana\\u0000"}');
    const withSurrogate = parsed('json', '{"firstName":"Ana\\ud800"}');
    expect(withNul.payload).toEqual(plain.payload);
    expect(new Set([plain.fingerprint, withNul.fingerprint, withSurrogate.fingerprint]).size).toBe(3);
    expect(parsed('form', 'firstName=Ana%00').fingerprint).not.toBe(parsed('form', 'firstName=Ana').fingerprint);
  });
});
