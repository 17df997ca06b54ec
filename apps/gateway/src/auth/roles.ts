import type { Scope } from './api-key';

/** Roles of admin accounts in a workspace. */
export const ROLES = ['owner', 'admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a route may require: a key scope, or managing the workspace's admins (owners only, never a key). */
export type Permission = Scope | 'admins:manage';

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: ['admin:read', 'admin:write', 'admins:manage'],
  admin: ['admin:read', 'admin:write'],
  viewer: ['admin:read'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
