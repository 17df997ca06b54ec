import { onRulesAdded } from '@leadflow/contracts';
import { getMetadataStorage, type MetadataStorage } from 'class-validator';

/** One rule of a class, as class-validator's storage holds it. */
type ValidationMetadata = Parameters<MetadataStorage['addValidationMetadata']>[0];

/** The lookups of class-validator's metadata storage that `cacheValidationMetadata` remembers. */
interface MetadataLookups {
  getTargetValidationMetadatas(
    target: object,
    schema: string,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
}

const INSTALLED = Symbol.for('leadflow.validationMetadataCache');

/**
 * class-validator finds a class's rules by filtering the rules of every class, and groups them by
 * property, on every object it validates: most of the cost of checking a small object (an event's
 * envelope), and more the more classes an app loads. The rules are fixed once the classes are
 * loaded, so both lookups are remembered per class and options, and forgotten whenever a rule is
 * added (a class loaded later). Lookups with validation groups are not remembered. Idempotent.
 */
export function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as MetadataLookups & { [INSTALLED]?: true };
  if (storage[INSTALLED]) return;
  storage[INSTALLED] = true;
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  let byTarget = new Map<object, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  onRulesAdded(() => {
    byTarget = new Map();
    grouped = new WeakMap();
  });
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (groups !== undefined && groups.length > 0) return lookUp(target, schema, always, strictGroups, groups);
    let forTarget = byTarget.get(target);
    if (!forTarget) {
      forTarget = new Map();
      byTarget.set(target, forTarget);
    }
    const key = `${schema}\u0000${always}\u0000${strictGroups}`;
    let metadata = forTarget.get(key);
    if (!metadata) {
      metadata = lookUp(target, schema, always, strictGroups, groups);
      forTarget.set(key, metadata);
    }
    return metadata;
  };
  storage.groupByPropertyName = (metadata) => {
    let byProperty = grouped.get(metadata);
    if (!byProperty) {
      byProperty = group(metadata);
      grouped.set(metadata, byProperty);
    }
    return byProperty;
  };
}
