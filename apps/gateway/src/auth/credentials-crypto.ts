import argon2 from 'argon2';
import { jwtVerify, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { hashApiKey } from './api-key';
import { isRole, type Role } from './roles';

/** Passwords are stored as argon2id hashes (the library's defaults: 64 MiB, 3 passes). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function passwordMatches(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Verified against when an email is unknown, so that a wrong email takes as long as a wrong password. */
export const UNKNOWN_ACCOUNT_HASH = hashPassword(randomBytes(16).toString('hex'));

/** A refresh token: opaque, 256 random bits, stored as its SHA-256 like an API key. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = `lf_rt_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiKey(token) };
}

export interface AccessClaims {
  accountId: string;
  sessionId: string;
  workspaceId: string;
  role: Role;
}

const ISSUER = 'leadflow';

/** A short-lived access token (HS256 JWT) naming the account, its session and its workspace. */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId, ws: claims.workspaceId, role: claims.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.accountId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired token; undefined for anything else. */
  async verify(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const { sub, sid, ws, role } = payload as Record<string, unknown>;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof ws !== 'string' || !isRole(role)) return undefined;
      return { accountId: sub, sessionId: sid, workspaceId: ws, role };
    } catch {
      return undefined;
    }
  }
}
