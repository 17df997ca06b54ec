import 'reflect-metadata';

const REQUIRED_IN_PRODUCTION = Symbol('leadflow:required-in-production');

/**
 * Marks a variable whose default only suits a developer machine (a local database, a NATS server
 * without users): with NODE_ENV=production the app refuses to start until the variable is set.
 * Deployment files are checked against this list.
 */
export function RequiredInProduction(): PropertyDecorator {
  return (target, property) => {
    const own = (Reflect.getOwnMetadata(REQUIRED_IN_PRODUCTION, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(REQUIRED_IN_PRODUCTION, [...own, String(property)], target);
  };
}

/** Every variable of an environment class (and the classes it extends) marked `@RequiredInProduction()`. */
export function requiredInProduction(cls: new () => object): string[] {
  const names = new Set<string>();
  for (
    let proto: object | null = cls.prototype as object;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of (Reflect.getOwnMetadata(REQUIRED_IN_PRODUCTION, proto) as string[] | undefined) ?? []) names.add(name);
  }
  return [...names].sort();
}
