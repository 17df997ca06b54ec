import type { NatsNamespace } from './nats-namespace';
import { SERVICE_NAMES, type ServiceName } from './services';
import { consumedStreams, Conversations, eventConsumerName, type EventType, ownStream, streamOf } from './subjects';

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/**
 * Where an app's replies arrive: request/reply and JetStream answers come to inboxes under this
 * prefix, so that an app can subscribe to its own replies and to no one else's.
 */
export function natsInboxPrefix(namespace: NatsNamespace, service: ServiceName): string {
  return `_INBOX.${namespace.subject(service)}`;
}

/**
 * The subjects one app may publish and subscribe to, from `Conversations`:
 * - its own request subjects (subscribe, in its queue group) and the ones of the apps it calls
 *   (publish); replies go back through NATS's `allow_responses`, not a publish permission;
 * - its own stream's event subjects (publish) and, for the streams it owns or consumes, the
 *   stream's JetStream API (info and create: a consumer may start before the owner, and the
 *   stream's definition is shared code) and, for each event type it consumes, its own durable
 *   consumer's API, pulls, acks and deletion (an on-demand consumer no replica consumes is removed;
 *   see `ConsumesEventsOptions.onDemand`), plus info and delete of the one durable per stream that
 *   releases before per-type consumers used, which an app removes once its successors exist, and
 *   the deletion of its durables for the types it no longer consumes (`Conversations.retired`);
 * - its inbox (subscribe).
 * Everything else is refused by the server.
 */
export function natsPermissions(service: ServiceName, namespace: NatsNamespace): NatsPermissions {
  const own = ownStream(service);
  const consumed = consumedStreams(service);
  // An app may consume its own stream (the gateway delivers its endpoint.disabled as a webhook): each stream
  // listed once.
  const streams = [
    ...new Set([...(own ? [namespace.stream(own.name)] : []), ...consumed.map(({ stream }) => namespace.stream(stream.name))]),
  ];

  const publish = [
    ...Conversations.rpcCalls[service].map((callee) => namespace.subject(`${callee}.>`)),
    ...(own?.subjects ?? []).map((subject) => namespace.subject(subject)),
    '$JS.API.INFO',
    ...streams.flatMap((stream) => [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`]),
    // The owner adds the subjects of event types newer than its stream.
    ...(own ? [`$JS.API.STREAM.UPDATE.${namespace.stream(own.name)}`] : []),
    ...consumed.flatMap(({ stream: definition, types }) => {
      const stream = namespace.stream(definition.name);
      const legacy = namespace.durable(service);
      return [
        ...types.flatMap((type) => {
          const durable = namespace.durable(eventConsumerName(service, type));
          return [
            `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
            `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
            `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
            `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
            // An on-demand consumer no replica consumes is removed, and replaced when wanted again.
            `$JS.API.CONSUMER.DELETE.${stream}.${durable}`,
            `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
            `$JS.ACK.${stream}.${durable}.>`,
          ];
        }),
        `$JS.API.CONSUMER.INFO.${stream}.${legacy}`,
        `$JS.API.CONSUMER.DELETE.${stream}.${legacy}`,
      ];
    }),
    ...(Conversations.retired[service] as readonly EventType[]).map(
      (type) => `$JS.API.CONSUMER.DELETE.${namespace.stream(streamOf(type).name)}.${namespace.durable(eventConsumerName(service, type))}`,
    ),
  ];
  const subscribe = [namespace.subject(`${service}.>`), `${natsInboxPrefix(namespace, service)}.>`];
  return { publish, subscribe };
}

export interface NatsUserEntry {
  user: string;
  /** A literal password, or `$NAME` to read it from the server's environment when it starts. */
  password: string;
  /** Omitted: every subject (for operators' tools, never for an app). */
  permissions?: NatsPermissions;
}

/** One user per app, named after it, with `natsPermissions`; `password(service)` gives each one's. */
export function appNatsUsers(namespace: NatsNamespace, password: (service: ServiceName) => string): NatsUserEntry[] {
  return SERVICE_NAMES.map((service) => ({ user: service, password: password(service), permissions: natsPermissions(service, namespace) }));
}

/**
 * A nats-server `authorization` block for these users. Passwords written as `$NAME` stay variable
 * references, which the server resolves from its environment, so that the file holds no secret.
 */
export function renderNatsAuthorization(users: NatsUserEntry[]): string {
  const list = (subjects: string[]): string =>
    `[\n${subjects.map((subject) => `          ${JSON.stringify(subject)}`).join(',\n')}\n        ]`;
  const entries = users.map((entry) => {
    const password = /^\$[A-Z_][A-Z0-9_]*$/.test(entry.password) ? entry.password : JSON.stringify(entry.password);
    const lines = [`    {`, `      user: ${JSON.stringify(entry.user)}`, `      password: ${password}`];
    if (entry.permissions) {
      lines.push(
        `      permissions: {`,
        `        publish: ${list(entry.permissions.publish)}`,
        `        subscribe: ${list(entry.permissions.subscribe)}`,
        `        allow_responses: true`,
        `      }`,
      );
    }
    lines.push(`    }`);
    return lines.join('\n');
  });
  return `authorization {\n  users: [\n${entries.join('\n')}\n  ]\n}\n`;
}
