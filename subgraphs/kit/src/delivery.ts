import { DirectiveLocation, GraphQLDirective } from 'graphql';
import type { FederatedSchemaSettings } from './schema';

/**
 * Shared delivery of subscription events (docs/decisions/0029-shared-subscription-delivery.md).
 *
 * A field marked `@callerIndependent` has the same value for every caller who may read
 * it: who asks decides only whether they may. On a subscription field it means every
 * admitted subscriber receives the same events; on an entity's field, that one fetch
 * can serve every caller with the same roles and scopes. The gateway reads the mark in
 * the supergraph (it is composed, `@composeDirective`), and:
 *   - opens one upstream stream per subscription and variables, asked for with
 *     `extensions.frontrowDelivery: "shared"`: the subgraph checks nobody, because only
 *     the gateway holds the signature a subscription needs, and sends each event once,
 *     with its id in `extensions.eventId`;
 *   - admits each subscriber through a stream of its own, asked for with
 *     `frontrowDelivery: "admission"`: the subgraph authorizes the caller as for any
 *     subscription and then sends no events, only notices (`extensions.frontrowDelivery`):
 *     `{ admitted: true }` once the caller may listen, and `{ endsAfter: <event id> }`
 *     when the caller's stream ends after that event (a member who is kicked sees the
 *     kick, then the stream ends), followed by `complete`;
 *   - re-opens a shared stream it lost (the subgraph restarted) with
 *     `extensions.frontrowResume: true`: what was published while it was away reached
 *     nobody, so the subgraph begins the re-opened stream with what a subscriber needs
 *     to catch up (presence: the party's playback state, as a PlaybackChanged).
 */
export const CALLER_INDEPENDENT = 'callerIndependent';
export const DELIVERY_SPEC_URL = 'https://specs.frontrow.dev/delivery/v1.0';

export const callerIndependentDirective = new GraphQLDirective({
  name: CALLER_INDEPENDENT,
  description: 'The value is the same for every caller who may read it (subscription: every admitted subscriber gets the same events).',
  locations: [DirectiveLocation.FIELD_DEFINITION],
});

/** What a subgraph that marks fields `@callerIndependent` adds to its schema settings and build options. */
export const CALLER_INDEPENDENT_SCHEMA = {
  settings: {
    links: [{ url: DELIVERY_SPEC_URL, import: [`@${CALLER_INDEPENDENT}`] }],
    composeDirectives: [`@${CALLER_INDEPENDENT}`],
  } satisfies Pick<FederatedSchemaSettings, 'links' | 'composeDirectives'>,
  directives: [callerIndependentDirective],
};

/** The subscribe message's extension that asks for a delivery mode, and the notices' key. */
export const DELIVERY_EXTENSION = 'frontrowDelivery';
/** The subscribe message's extension that marks a shared stream re-opened after it was lost. */
export const RESUME_EXTENSION = 'frontrowResume';
/** The extension that carries an event's id on a shared stream. */
export const EVENT_ID_EXTENSION = 'eventId';

export type DeliveryMode = 'shared' | 'admission';

export interface DeliveryNotice {
  /** The caller may listen: events of the shared stream are theirs from now on. */
  admitted?: true;
  /** The caller's stream ends once the event with this id has reached them. */
  endsAfter?: string;
}

/** Whether the gateway re-opens a stream it lost (events published meanwhile were not delivered). */
export function isResumed(extensions: Record<string, unknown> | null | undefined): boolean {
  return extensions?.[RESUME_EXTENSION] === true;
}

export function deliveryModeOf(extensions: Record<string, unknown> | null | undefined): DeliveryMode | undefined {
  const mode = extensions?.[DELIVERY_EXTENSION];
  return mode === 'shared' || mode === 'admission' ? mode : undefined;
}

/**
 * What an admission stream yields instead of an event: the subgraph's subscription
 * layer sends it as a result with no data and the notice in its extensions.
 */
export class DeliveryNoticeEvent {
  constructor(readonly notice: DeliveryNotice) {}

  result(): { extensions: Record<string, unknown> } {
    return { extensions: { [DELIVERY_EXTENSION]: this.notice } };
  }
}
