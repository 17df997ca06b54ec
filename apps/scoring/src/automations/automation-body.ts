import {
  AppException,
  AUTOMATION_ACTIONS,
  AUTOMATION_PROPERTY_OPS,
  AUTOMATION_TRIGGERS,
  type AutomationAction,
  type AutomationConditions,
  type AutomationPropertyMatch,
  type AutomationTrigger,
  ErrorCodes,
  isUuid,
  LIFECYCLES,
  type Lifecycle,
  STAGES,
  type Stage,
} from '@leadflow/contracts';

/** An automation as an admin writes it; every field is checked here, so a bad one answers `invalid_automation`. */
export interface AutomationBody {
  name?: unknown;
  trigger?: unknown;
  conditions?: unknown;
  actions?: unknown;
  enabled?: unknown;
  cooldownSeconds?: unknown;
}

export interface AutomationDefinition {
  name: string;
  trigger: AutomationTrigger;
  conditions: AutomationConditions;
  actions: AutomationAction[];
  enabled: boolean;
  cooldownSeconds: number | null;
}

const MAX_ACTIONS = 20;
const MAX_LIST = 100;
const MAX_TEXT = 200;
/** The longest cooldown: a year. */
const MAX_COOLDOWN_SECONDS = 366 * 24 * 3600;
/** Contact fields conditions can test, as `contact.<field>`. */
export const CONTACT_CONDITION_FIELDS = ['tags', 'ownerId', 'lifecycle', 'company', 'title', 'country'] as const;

const invalid = (message: string): AppException => new AppException(ErrorCodes.invalidAutomation, message);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function only(object: Record<string, unknown>, where: string, keys: readonly string[]): void {
  for (const key of Object.keys(object)) if (!keys.includes(key)) throw invalid(`${where}: unknown field ${key.slice(0, 64)}`);
}

function text(value: unknown, where: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || value.includes('\u0000')) {
    throw invalid(`${where} must be a non-empty string of at most ${max} characters`);
  }
  return value.trim();
}

function stage(value: unknown, where: string): Stage {
  if (!(STAGES as readonly unknown[]).includes(value)) throw invalid(`${where} must be one of ${STAGES.join(', ')}`);
  return value as Stage;
}

function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${where} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A value or a list of values, as a list of one to MAX_LIST. */
function list<T>(value: unknown, where: string, each: (item: unknown, where: string) => T): T[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || items.length > MAX_LIST) throw invalid(`${where} must hold 1 to ${MAX_LIST} values`);
  return items.map((item, i) => each(item, `${where}[${i}]`));
}

function triggerOf(value: unknown): AutomationTrigger {
  if (!isObject(value)) throw invalid('trigger must be an object with a type');
  const type = value.type;
  if (!(AUTOMATION_TRIGGERS as readonly unknown[]).includes(type))
    throw invalid(`trigger.type must be one of ${AUTOMATION_TRIGGERS.join(', ')}`);
  switch (type as AutomationTrigger['type']) {
    case 'stage_changed': {
      only(value, 'trigger', ['type', 'fromStage', 'toStage']);
      const trigger: AutomationTrigger = { type: 'stage_changed' };
      if (value.fromStage !== undefined) trigger.fromStage = value.fromStage === null ? null : stage(value.fromStage, 'trigger.fromStage');
      if (value.toStage !== undefined) trigger.toStage = stage(value.toStage, 'trigger.toStage');
      return trigger;
    }
    case 'score_crossed': {
      only(value, 'trigger', ['type', 'threshold', 'direction']);
      if (value.direction !== 'up' && value.direction !== 'down') throw invalid('trigger.direction must be up or down');
      return {
        type: 'score_crossed',
        threshold: integer(value.threshold, 'trigger.threshold', -1_000_000, 1_000_000),
        direction: value.direction,
      };
    }
    case 'event_received':
      only(value, 'trigger', ['type', 'event']);
      return { type: 'event_received', event: text(value.event, 'trigger.event') };
    default:
      only(value, 'trigger', ['type']);
      return { type: type as AutomationTrigger['type'] };
  }
}

function propertyMatch(value: unknown, where: string): AutomationPropertyMatch {
  if (!isObject(value)) throw invalid(`${where} must be an object {path, op, value}`);
  only(value, where, ['path', 'op', 'value']);
  const path = text(value.path, `${where}.path`, 400);
  const [root, ...rest] = path.split('.');
  if (root === 'properties') {
    if (rest.length === 0 || rest.length > 5 || rest.some((part) => part === ''))
      throw invalid(`${where}.path: properties.<key>, at most 5 deep`);
  } else if (root === 'contact') {
    if (rest.length !== 1 || !(CONTACT_CONDITION_FIELDS as readonly string[]).includes(rest[0] as string)) {
      throw invalid(`${where}.path: contact.<field> of ${CONTACT_CONDITION_FIELDS.join(', ')}`);
    }
  } else throw invalid(`${where}.path must start with properties. or contact.`);
  if (!(AUTOMATION_PROPERTY_OPS as readonly unknown[]).includes(value.op))
    throw invalid(`${where}.op must be one of ${AUTOMATION_PROPERTY_OPS.join(', ')}`);
  const op = value.op as AutomationPropertyMatch['op'];
  const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  if (op === 'equals' && !scalar(value.value)) throw invalid(`${where}.value must be a string, number, boolean or null for equals`);
  if (
    op === 'in' &&
    !(Array.isArray(value.value) && value.value.length > 0 && value.value.length <= MAX_LIST && value.value.every(scalar))
  ) {
    throw invalid(`${where}.value must be a list of 1 to ${MAX_LIST} scalars for in`);
  }
  if (op === 'exists' && value.value !== undefined && typeof value.value !== 'boolean')
    throw invalid(`${where}.value must be true or false for exists`);
  return op === 'exists' ? { path, op, value: value.value ?? true } : { path, op, value: value.value };
}

function conditionsOf(value: unknown): AutomationConditions {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalid('conditions must be an object');
  only(value, 'conditions', ['fromStage', 'toStage', 'score', 'properties', 'source', 'offer', 'tags']);
  const conditions: AutomationConditions = {};
  if (value.fromStage !== undefined)
    conditions.fromStage = list(value.fromStage, 'conditions.fromStage', (v, w) => (v === null ? null : stage(v, w)));
  if (value.toStage !== undefined) conditions.toStage = list(value.toStage, 'conditions.toStage', stage);
  if (value.score !== undefined) {
    if (!isObject(value.score)) throw invalid('conditions.score must be {min?, max?}');
    only(value.score, 'conditions.score', ['min', 'max']);
    const score: { min?: number; max?: number } = {};
    if (value.score.min !== undefined) score.min = integer(value.score.min, 'conditions.score.min', -1_000_000, 1_000_000);
    if (value.score.max !== undefined) score.max = integer(value.score.max, 'conditions.score.max', -1_000_000, 1_000_000);
    if (score.min !== undefined && score.max !== undefined && score.min > score.max)
      throw invalid('conditions.score.min must not exceed max');
    conditions.score = score;
  }
  if (value.properties !== undefined) {
    if (!Array.isArray(value.properties) || value.properties.length > MAX_LIST)
      throw invalid(`conditions.properties must be a list of at most ${MAX_LIST}`);
    conditions.properties = value.properties.map((p, i) => propertyMatch(p, `conditions.properties[${i}]`));
  }
  if (value.source !== undefined) conditions.source = list(value.source, 'conditions.source', (v, w) => text(v, w));
  if (value.offer !== undefined) conditions.offer = list(value.offer, 'conditions.offer', (v, w) => text(v, w));
  if (value.tags !== undefined) {
    if (!isObject(value.tags)) throw invalid('conditions.tags must be {all?, any?, none?}');
    only(value.tags, 'conditions.tags', ['all', 'any', 'none']);
    const tags: NonNullable<AutomationConditions['tags']> = {};
    for (const key of ['all', 'any', 'none'] as const) {
      if (value.tags[key] !== undefined) tags[key] = list(value.tags[key], `conditions.tags.${key}`, (v, w) => text(v, w, 100));
    }
    conditions.tags = tags;
  }
  return conditions;
}

function actionOf(value: unknown, where: string): AutomationAction {
  if (!isObject(value)) throw invalid(`${where} must be an object with a type`);
  switch (value.type) {
    case 'webhook':
      only(value, where, ['type', 'endpointId']);
      if (typeof value.endpointId !== 'string' || !isUuid(value.endpointId))
        throw invalid(`${where}.endpointId must be a webhook endpoint id (UUID)`);
      return { type: 'webhook', endpointId: value.endpointId.toLowerCase() };
    case 'assign_owner': {
      only(value, where, ['type', 'strategy', 'ownerIds']);
      if (value.strategy !== 'round_robin' && value.strategy !== 'fixed') throw invalid(`${where}.strategy must be round_robin or fixed`);
      const ownerIds = list(value.ownerIds, `${where}.ownerIds`, (v, w) => {
        if (typeof v !== 'string' || !isUuid(v)) throw invalid(`${w} must be an admin account id (UUID)`);
        return v.toLowerCase();
      });
      if (!Array.isArray(value.ownerIds)) throw invalid(`${where}.ownerIds must be a list of admin account ids`);
      if (value.strategy === 'fixed' && ownerIds.length !== 1) throw invalid(`${where}.ownerIds must hold one account for fixed`);
      return { type: 'assign_owner', strategy: value.strategy, ownerIds };
    }
    case 'add_tag':
    case 'remove_tag':
      only(value, where, ['type', 'tag']);
      return { type: value.type, tag: text(value.tag, `${where}.tag`, 100) };
    case 'set_lifecycle':
      only(value, where, ['type', 'lifecycle']);
      if (!(LIFECYCLES as readonly unknown[]).includes(value.lifecycle))
        throw invalid(`${where}.lifecycle must be one of ${LIFECYCLES.join(', ')}`);
      return { type: 'set_lifecycle', lifecycle: value.lifecycle as Lifecycle };
    default:
      throw invalid(`${where}.type must be one of ${AUTOMATION_ACTIONS.join(', ')}`);
  }
}

function actionsOf(value: unknown): AutomationAction[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ACTIONS)
    throw invalid(`actions must be a list of 1 to ${MAX_ACTIONS} actions`);
  return value.map((action, i) => actionOf(action, `actions[${i}]`));
}

/** A full automation from a body (create), or `before` with the fields the body names (patch). */
export function automationFromBody(body: AutomationBody, before?: AutomationDefinition): AutomationDefinition {
  if (!isObject(body)) throw invalid('the body must be an object');
  only(body, 'automation', ['name', 'trigger', 'conditions', 'actions', 'enabled', 'cooldownSeconds']);
  const pick = <K extends keyof AutomationBody>(key: K): unknown => (body[key] !== undefined || !before ? body[key] : undefined);
  const name = pick('name') !== undefined ? text(body.name, 'name') : before?.name;
  if (name === undefined) throw invalid('name is required');
  const trigger = pick('trigger') !== undefined ? triggerOf(body.trigger) : before?.trigger;
  if (!trigger) throw invalid('trigger is required');
  const conditions = body.conditions !== undefined ? conditionsOf(body.conditions) : (before?.conditions ?? {});
  const actions = pick('actions') !== undefined ? actionsOf(body.actions) : before?.actions;
  if (!actions) throw invalid('actions is required');
  let enabled = before?.enabled ?? true;
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw invalid('enabled must be true or false');
    enabled = body.enabled;
  }
  let cooldownSeconds = before?.cooldownSeconds ?? null;
  if (body.cooldownSeconds !== undefined) {
    cooldownSeconds = body.cooldownSeconds === null ? null : integer(body.cooldownSeconds, 'cooldownSeconds', 1, MAX_COOLDOWN_SECONDS);
  }
  return { name, trigger, conditions, actions, enabled, cooldownSeconds };
}
