import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  ValidateNested,
} from 'class-validator';
import { AppValidationPipe } from './app-validation.pipe';
import { validDtoInstance } from './dto-instance';

class BodyDto {
  @IsIn(['utf8', 'gzip+base64'])
  encoding!: string;

  @IsString()
  data!: string;
}

class MetaDto {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsISO8601({ strict: true })
  receivedAt!: string;

  @IsObject()
  headers!: Record<string, string>;

  @IsOptional()
  @IsString()
  remoteAddress!: string | null;

  @ValidateNested()
  @Type(() => BodyDto)
  body!: BodyDto;
}

class ItemDto extends MetaDto {
  @IsOptional()
  @IsInt()
  @Max(10)
  priority = 5;
}

class GroupDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];
}

class TrimmedDto {
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  name!: string;
}

/** [1, <hole>, 3]. */
function withHole(): unknown[] {
  const list = [1, 2, 3];
  delete list[1];
  return list;
}

function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    workspaceId: 'default',
    receivedAt: '2026-12-01T10:00:00.000Z',
    headers: { 'user-agent': 'test', 'x-tags': 'a,b' },
    remoteAddress: '127.0.0.1',
    body: { encoding: 'utf8', data: '{"email":"a@example.com"}' },
    ...overrides,
  };
}

// Nest's pipe as AppValidationPipe configures it: what the fast path must agree with.
const nest = new ValidationPipe({ whitelist: true, transform: true, forbidUnknownValues: true });
const payload = { type: 'body', metatype: GroupDto } as const;

async function nestResult(value: unknown): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await nest.transform(value, payload) };
  } catch {
    return { ok: false };
  }
}

/** Every class along an instance's tree, so that equal shapes of different classes do not compare equal. */
function classes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(classes);
  if (typeof value !== 'object' || value === null) return value;
  return { class: value.constructor.name, ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, classes(v)])) };
}

describe('validDtoInstance', () => {
  it('builds what ValidationPipe builds for a valid group: nested instances, defaults kept, untyped objects copied', async () => {
    const value = { items: [item(), item({ priority: 2, remoteAddress: null })] };
    const fast = validDtoInstance(GroupDto, value) as GroupDto;
    const slow = await nestResult(value);
    expect(slow.ok).toBe(true);
    expect(fast).toBeInstanceOf(GroupDto);
    expect(fast.items[0]).toBeInstanceOf(ItemDto);
    expect(fast.items[0]?.body).toBeInstanceOf(BodyDto);
    expect(fast.items[0]?.priority).toBe(5);
    expect(fast.items[1]?.priority).toBe(2);
    expect(classes(fast)).toEqual(classes(slow.ok ? slow.value : undefined));
    // A copy, as class-transformer makes: the handler may change it without touching the message.
    expect(fast.items[0]?.headers).not.toBe((value.items[0] as { headers: unknown }).headers);
    expect(fast.items[0]?.headers).toEqual({ 'user-agent': 'test', 'x-tags': 'a,b' });
  });

  it.each([
    ['a nested object of the wrong kind', { items: [item({ body: 'utf8' })] }],
    ['a nested rule broken', { items: [item({ body: { encoding: 'latin1', data: 'x' } })] }],
    ['an empty array', { items: [] }],
    ['too many items', { items: [item(), item(), item(), item()] }],
    ['an item that is not an object', { items: [item(), 'lead'] }],
    ['a rule of a parent class broken', { items: [item({ workspaceId: '' })] }],
    ['an optional value of the wrong type', { items: [item({ priority: 'high' })] }],
    ['a number past its maximum', { items: [item({ priority: 11 })] }],
    ['a timestamp that is not ISO 8601', { items: [item({ receivedAt: 'yesterday' })] }],
    ['no items at all', {}],
    ['items as an object', { items: { 0: item() } }],
  ])('lets ValidationPipe refuse %s', async (_case, value) => {
    expect(validDtoInstance(GroupDto, value)).toBeUndefined();
    expect(await nestResult(value)).toEqual({ ok: false });
  });

  it.each([
    ['an undeclared property, which the pipe strips', { items: [item({ note: 'x' })] }],
    ['an undeclared property of a nested object', { items: [item({ body: { encoding: 'utf8', data: 'x', extra: 1 } })] }],
    ['a __proto__ key inside an untyped object', { items: [item({ headers: JSON.parse('{"__proto__": {"x": 1}}') })] }],
    ['a constructor key at the top', JSON.parse('{"items": [], "constructor": {}}')],
    ['an array with a hole', { items: [item({ headers: { list: withHole() } })] }],
    ['a Buffer', { items: [item({ headers: Buffer.from('x') })] }],
    ['a Date', { items: [item({ receivedAt: new Date() })] }],
    ['an item that is an array (class-validator checks the items inside)', { items: [[item()]] }],
    ['a value that is not an object', 'items'],
    ['an array', [item()]],
    ['null', null],
  ])('leaves to ValidationPipe %s', (_case, value) => {
    expect(validDtoInstance(GroupDto, value)).toBeUndefined();
  });

  it('lets a missing nested object through, as class-validator does without @IsDefined', async () => {
    const fast = validDtoInstance(GroupDto, { items: [item({ body: undefined })] }) as GroupDto;
    expect(fast.items[0]).toHaveProperty('body', undefined);
    const slow = await nestResult({ items: [item({ body: undefined })] });
    expect(classes(fast)).toEqual(classes(slow.ok ? slow.value : undefined));
  });

  it('leaves classes with other class-transformer decorators to ValidationPipe', () => {
    expect(validDtoInstance(TrimmedDto, { name: ' padded ' })).toBeUndefined();
  });

  it('never lets through what ValidationPipe refuses, nor builds anything else, over many variants of a group', async () => {
    const mutations: Array<(value: Record<string, unknown>) => void> = [
      (v) => delete v['workspaceId'],
      (v) => (v['workspaceId'] = 42),
      (v) => (v['workspaceId'] = 'w'.repeat(65)),
      (v) => (v['receivedAt'] = '2026-13-01T00:00:00Z'),
      (v) => (v['headers'] = 'none'),
      (v) => (v['headers'] = null),
      (v) => (v['remoteAddress'] = undefined),
      (v) => (v['remoteAddress'] = 7),
      (v) => (v['body'] = { encoding: 'utf8' }),
      (v) => (v['body'] = { encoding: 'gzip+base64', data: 'H4sI' }),
      (v) => (v['body'] = [{ encoding: 'utf8', data: 'x' }]),
      (v) => (v['priority'] = 10),
      (v) => (v['priority'] = 1.5),
      (v) => (v['priority'] = null),
      (v) => (v['unknown'] = true),
    ];
    let agreedPasses = 0;
    for (let mask = 0; mask < 1 << 6; mask += 1) {
      for (let start = 0; start < mutations.length; start += 5) {
        const variant = (): { items: Array<Record<string, unknown>> } => {
          const items = [item(), item()];
          mutations.slice(start, start + 6).forEach((mutate, i) => {
            if (mask & (1 << i)) mutate(items[i % 2] as Record<string, unknown>);
          });
          return { items };
        };
        const fast = validDtoInstance(GroupDto, variant());
        const slow = await nestResult(variant());
        if (fast === undefined) continue;
        expect(slow.ok).toBe(true);
        expect(classes(fast)).toEqual(classes(slow.ok ? slow.value : undefined));
        agreedPasses += 1;
      }
    }
    expect(agreedPasses).toBeGreaterThan(10);
  });
});

describe('AppValidationPipe', () => {
  const pipe = new AppValidationPipe({ strictBodies: true });

  it('gives a valid RPC payload its DTO instance', async () => {
    const result = (await pipe.transform({ items: [item()] }, { type: 'body', metatype: GroupDto })) as GroupDto;
    expect(result).toBeInstanceOf(GroupDto);
    expect(result.items[0]?.body).toBeInstanceOf(BodyDto);
  });

  it('still answers validation_failed, with the messages, for a payload that breaks a rule', async () => {
    await expect(
      Promise.resolve().then(() =>
        pipe.transform({ items: [item({ body: { encoding: 'latin1', data: 'x' } })] }, { type: 'body', metatype: GroupDto }),
      ),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('encoding must be one of the following values'),
    });
  });

  it('still refuses an undeclared body property (strict bodies)', async () => {
    await expect(
      Promise.resolve().then(() => pipe.transform({ items: [item()], extra: 1 }, { type: 'body', metatype: GroupDto })),
    ).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('property extra should not exist') });
  });

  it('strips an undeclared RPC payload property, as before', async () => {
    const result = (await pipe.transform({ items: [item({ note: 'x' })] }, { type: 'custom' as never, metatype: GroupDto })) as Record<
      string,
      unknown
    >;
    expect(result).toEqual({ items: [item({ note: 'x' })] });
    const rpc = (await new AppValidationPipe().transform(
      { items: [item({ note: 'x' })] },
      { type: 3 as never, metatype: GroupDto },
    )) as GroupDto;
    expect(rpc.items[0]).not.toHaveProperty('note');
  });
});
