import type { QueueSpec } from './types';

/**
 * Every consumer queue of the platform, by its name without a namespace, with the routing
 * keys it is bound to. The consumers read their queues from here, and a service that
 * publishes declares them all before its first message (`OutboxRelay`'s `topology`): a
 * message published before its consumer first started is kept in the consumer's queue,
 * not dropped by an exchange that had nowhere to route it (decision 0032).
 */
export const BUS_QUEUES = {
  'identity.sponsors': { bindings: ['creative.sponsor.created'] },
  'media.feeds': { bindings: ['events.feed.added', 'events.feed.updated'] },
  'media.event-lifecycle': { bindings: ['events.event.live', 'events.event.ended', 'events.event.cancelled'] },
  'media.entitlements': { bindings: ['commerce.entitlement.granted', 'commerce.entitlement.revoked'] },
  /** Every subgraph's audit events: `<subgraph>.audit.recorded`. */
  'telemetry.audit': { bindings: ['*.audit.recorded'] },
  /** Creative's announcements telemetry keeps: who owns a sponsor, whose a placement is. */
  'telemetry.sponsors': { bindings: ['creative.sponsor.created', 'creative.placement.created'] },
} as const satisfies Record<string, { bindings: readonly string[]; maxDeliveries?: number }>;

export type BusQueueName = keyof typeof BUS_QUEUES;

/**
 * One of the platform's queues in a namespace: production has none (`media.feeds`); a
 * test run or a second platform on the same broker gives its own (`run1_media.feeds`).
 */
export function busQueue(name: BusQueueName, namespace = ''): QueueSpec & { service: string } {
  const spec: { bindings: readonly string[]; maxDeliveries?: number } = BUS_QUEUES[name];
  return { queue: `${namespace}${name}`, bindings: [...spec.bindings], maxDeliveries: spec.maxDeliveries, service: name.split('.')[0] };
}

/** Every queue of the platform in a namespace: what a publisher declares, and what a test run deletes afterwards. */
export function busTopology(namespace = ''): QueueSpec[] {
  return (Object.keys(BUS_QUEUES) as BusQueueName[]).map((name) => {
    const { service: _service, ...spec } = busQueue(name, namespace);
    return spec;
  });
}
