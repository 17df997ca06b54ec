import { onRulesAdded, passesRules } from '@leadflow/contracts';
import { TransformationType } from 'class-transformer';
import type { MetadataStorage as TransformerMetadata } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage } from 'class-validator';

// Where class-transformer keeps what its decorators declare (Nest's mapped-types reads it the same way).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadata };

type Dto = new () => object;

/** How a class's instance is built from parsed JSON: its declared properties, and the class of each nested one. */
interface Shape {
  type: Dto;
  /** Each property class-validator knows (the whitelist), with the class `@Type()` gives it, if any. */
  properties: Map<string, Dto | undefined>;
}

/** Shapes per class; null for a class this path does not cover. */
let shapes = new Map<Dto, Shape | null>();
let watching = false;

/** A value that stops the copy: the slow path decides what becomes of it. */
const NOT_COVERED = Symbol('not covered');

/**
 * The DTO that Nest's ValidationPipe (`transform` and `whitelist`, no implicit conversion) would
 * return for `plain`, found without class-transformer and class-validator's error building: the
 * instance `plainToInstance` makes, when every property is declared and every rule passes.
 * Undefined means "not known to pass", and the caller runs the ValidationPipe, which gives the
 * verdict, the messages and the stripping of undeclared properties; so the two cannot disagree on a
 * value let through.
 *
 * Covered: plain JSON (objects, arrays, strings, numbers, booleans, null) into classes whose nested
 * properties name their class with `@Type(() => C)` and which declare no other class-transformer
 * decorator (`@Transform`, `@Expose`, `@Exclude`, discriminators). A property named after an
 * `Object.prototype` member, an array with holes, or any other value (a Buffer, a Date) is not.
 */
export function validDtoInstance(type: Dto, plain: unknown): object | undefined {
  if (!isPlainObject(plain)) return undefined;
  const built = buildInstance(type, plain);
  if (built === NOT_COVERED || !passesRules(built)) return undefined;
  return built;
}

function buildInstance(type: Dto, plain: Record<string, unknown>): object | typeof NOT_COVERED {
  const shape = shapeOf(type);
  if (!shape) return NOT_COVERED;
  const instance = new shape.type() as Record<string, unknown>;
  for (const key of Object.keys(plain)) {
    if (!shape.properties.has(key)) return NOT_COVERED;
    const nested = shape.properties.get(key);
    const value = plain[key];
    const copy = nested === undefined || value === null || value === undefined ? copyJson(value) : buildNested(nested, value);
    if (copy === NOT_COVERED) return NOT_COVERED;
    instance[key] = copy;
  }
  return instance;
}

/** `@Type(() => C)` on an object or an array of objects. */
function buildNested(type: Dto, value: unknown): unknown {
  if (isPlainObject(value)) return buildInstance(type, value);
  if (!Array.isArray(value)) return NOT_COVERED;
  const items: unknown[] = new Array(value.length);
  for (let i = 0; i < value.length; i += 1) {
    const item: unknown = value[i];
    if (!(i in value) || !isPlainObject(item)) return NOT_COVERED;
    const built = buildInstance(type, item);
    if (built === NOT_COVERED) return NOT_COVERED;
    items[i] = built;
  }
  return items;
}

/** A deep copy of plain JSON, as class-transformer copies an untyped value. */
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? NOT_COVERED : value;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) return NOT_COVERED;
      const copy = copyJson(value[i]);
      if (copy === NOT_COVERED) return NOT_COVERED;
      items[i] = copy;
    }
    return items;
  }
  if (!isPlainObject(value)) return NOT_COVERED;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key in Object.prototype) return NOT_COVERED;
    const item = copyJson(value[key]);
    if (item === NOT_COVERED) return NOT_COVERED;
    copy[key] = item;
  }
  return copy;
}

/** The class `@Type(() => C)` names, when it names one without looking at the object (as every DTO of ours does). */
function nestedClass(typeFunction: (options?: never) => unknown): Dto | undefined {
  try {
    const nested = typeFunction();
    return typeof nested === 'function' ? (nested as Dto) : undefined;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function shapeOf(type: Dto): Shape | null {
  let shape = shapes.get(type);
  if (shape === undefined) {
    if (!watching) {
      watching = true;
      onRulesAdded(() => {
        shapes = new Map();
      });
    }
    shape = compileShape(type);
    shapes.set(type, shape);
  }
  return shape;
}

function compileShape(type: Dto): Shape | null {
  if (defaultMetadataStorage.getExposedMetadatas(type).length > 0 || defaultMetadataStorage.getExcludedMetadatas(type).length > 0)
    return null;
  const validation = getMetadataStorage();
  const rules = validation.getTargetValidationMetadatas(type, undefined as unknown as string, false, false);
  const properties = new Map<string, Dto | undefined>();
  for (const name of Object.keys(validation.groupByPropertyName(rules))) {
    if (name in Object.prototype) return null;
    if (defaultMetadataStorage.findTransformMetadatas(type, name, TransformationType.PLAIN_TO_CLASS).length > 0) return null;
    const typed = defaultMetadataStorage.findTypeMetadata(type, name);
    if (!typed) {
      properties.set(name, undefined);
      continue;
    }
    if (typed.options?.discriminator) return null;
    const nested = nestedClass(typed.typeFunction);
    if (!nested) return null;
    properties.set(name, nested);
  }
  return properties.size === 0 ? null : { type, properties };
}
