import { plainToInstance } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { SECRET_VARIABLE } from '@leadflow/contracts';
import { validateSync } from 'class-validator';
import { requiredInProduction } from './required-in-production';

export class EnvValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvValidationError';
  }
}

function describe(errors: readonly ValidationError[], raw: Record<string, string | undefined>): string[] {
  return errors.map((error) => {
    const given = raw[error.property];
    const shown =
      given === undefined
        ? 'not set'
        : SECRET_VARIABLE.test(error.property)
          ? 'set; the value is not shown'
          : `got ${JSON.stringify(given.length > 80 ? `${given.slice(0, 80)}…` : given)}`;
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    return `${error.property}: ${reasons} (${shown})`;
  });
}

/**
 * Reads an app's environment class from `raw` (process.env by default): only the variables the
 * class declares are read, defaults fill the gaps, and every bad variable is named in the error.
 */
export function loadEnv<T extends object>(cls: new () => T, raw: Record<string, string | undefined> = process.env): T {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''));
  const env = plainToInstance(cls, present, {
    excludeExtraneousValues: true,
    exposeDefaultValues: true,
    enableImplicitConversion: false,
  });
  const problems = describe(validateSync(env, { forbidUnknownValues: true }), raw);
  if ((env as { NODE_ENV?: unknown }).NODE_ENV === 'production') {
    for (const name of requiredInProduction(cls)) {
      if (present[name] === undefined)
        problems.push(`${name}: must be set when NODE_ENV is production; its default suits a developer machine only (not set)`);
    }
  }
  if (problems.length > 0) throw new EnvValidationError(problems);
  return env;
}
