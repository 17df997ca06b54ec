import { DownstreamException, RpcSubjects } from '@leadflow/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { LeadConversionController } from './lead-conversion.controller';
import type { LeadConversionService } from './lead-conversion.service';

function replyRecorder() {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) } as unknown as FastifyReply;
  return { reply, headers };
}

const caller = { actor: 'key:k', workspaceId: 'default' } as Principal;
const request = (key?: string) => ({ headers: key === undefined ? {} : { 'idempotency-key': key } }) as unknown as FastifyRequest;
const leadId = '0190a5b2-0000-7000-8000-000000000001';

describe('POST /api/v1/leads/:id/convert', () => {
  it('answers lead_not_attributed with Retry-After, for the sender to try again shortly', async () => {
    const service = {
      convert: () => Promise.reject(new DownstreamException(RpcSubjects.contacts.leadConvert, 'lead_not_attributed', 'not yet')),
    } as unknown as LeadConversionService;
    const { reply, headers } = replyRecorder();
    await expect(new LeadConversionController(service).convert(caller, 'default', leadId, {}, request(), reply)).rejects.toMatchObject({
      code: 'lead_not_attributed',
    });
    expect(headers['Retry-After']).toBe('1');
  });

  it('marks a replay with Idempotent-Replayed and passes the key on', async () => {
    const conversion = { leadId, contactId: leadId, lifecycle: 'contact', opportunity: null, convertedAt: '2026-11-30T10:00:00.000Z' };
    const keys: Array<string | null> = [];
    const service = {
      convert: (_caller: Principal, _workspace: string, _lead: string, key: string | null) => {
        keys.push(key);
        return Promise.resolve({ conversion, replayed: true });
      },
    } as unknown as LeadConversionService;
    const { reply, headers } = replyRecorder();
    expect(await new LeadConversionController(service).convert(caller, 'default', leadId, {}, request('k-1'), reply)).toBe(conversion);
    expect([headers['Idempotent-Replayed'], keys]).toEqual(['true', ['k-1']]);
  });

  it('refuses an empty or overlong Idempotency-Key with 400 invalid_idempotency_key', async () => {
    const service = { convert: () => Promise.reject(new Error('not reached')) } as unknown as LeadConversionService;
    for (const key of ['', 'k'.repeat(256)]) {
      await expect(
        new LeadConversionController(service).convert(caller, 'default', leadId, {}, request(key), replyRecorder().reply),
      ).rejects.toMatchObject({ code: 'invalid_idempotency_key' });
    }
  });
});
