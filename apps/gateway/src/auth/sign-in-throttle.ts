import { AppException, ErrorCodes } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { type RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import { sharedCounter } from './rate-limits';

/** Failed sign-ins allowed per email and address, and per address, in a quarter of an hour. */
export const FAILURES_PER_ACCOUNT = 5;
export const FAILURES_PER_ADDRESS = 30;
const WINDOW_SECONDS = 15 * 60;
/** Each failure answers this much later than the one before (capped), so guessing is slow before it is refused. */
const DELAY_PER_FAILURE_MS = 250;
const MAX_DELAY_MS = 2000;

/**
 * Brute force on sign-in: failures are counted per email-and-address and per address, in
 * PostgreSQL so that every replica sees them; each failure is answered a little later than the
 * last, and past the limit the address gets 429 with Retry-After without its password being tried.
 */
@Injectable()
export class SignInThrottle {
  private readonly perAccount: RateLimiterPostgres;
  private readonly perAddress: RateLimiterPostgres;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.perAccount = sharedCounter(dataSource, 'signin-account', FAILURES_PER_ACCOUNT, WINDOW_SECONDS);
    this.perAddress = sharedCounter(dataSource, 'signin-address', FAILURES_PER_ADDRESS, WINDOW_SECONDS);
  }

  /** Throws 429 when this email or this address has failed too often lately. */
  async check(email: string, address: string, reply: FastifyReply): Promise<void> {
    const [account, byAddress] = await Promise.all([this.perAccount.get(accountKey(email, address)), this.perAddress.get(address)]);
    const blocked = [
      [account, FAILURES_PER_ACCOUNT],
      [byAddress, FAILURES_PER_ADDRESS],
    ].find(([res, limit]) => res instanceof RateLimiterRes && res.consumedPoints >= (limit as number)) as
      [RateLimiterRes, number] | undefined;
    if (!blocked) return;
    const retryAfter = Math.max(1, Math.ceil(blocked[0].msBeforeNext / 1000));
    void reply.header('Retry-After', String(retryAfter));
    throw new AppException(ErrorCodes.tooManyAttempts, `Too many failed sign-ins; retry after ${retryAfter} s`);
  }

  /** Counts a failure and waits a little longer for each one. */
  async failed(email: string, address: string): Promise<void> {
    const counted = await Promise.allSettled([this.perAccount.penalty(accountKey(email, address)), this.perAddress.penalty(address)]);
    const first = counted[0];
    const failures = first.status === 'fulfilled' ? first.value.consumedPoints : 1;
    await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_DELAY_MS, failures * DELAY_PER_FAILURE_MS)));
  }

  /** A success clears the email-and-address count (not the address's). */
  async succeeded(email: string, address: string): Promise<void> {
    await this.perAccount.delete(accountKey(email, address)).catch(() => undefined);
  }
}

/** Counter keys hold at most 255 characters: the email goes in as a digest. */
function accountKey(email: string, address: string): string {
  return `${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}|${address}`;
}
