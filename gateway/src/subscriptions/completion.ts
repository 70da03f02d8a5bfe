import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import { apolloLogger, isDomainError, type Logger } from '@frontrow/kit';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { GatewayContext } from '../datasource';
import type { Operations, PreparedSubscription } from './operations';

/** The name the event is fetched from in a completion plan; no subgraph has it. */
const EVENT_SOURCE = '(subscription event)';

type RequestContext = Parameters<typeof executeQueryPlan>[2];

/**
 * Completes subscription events: the fields of an event that other subgraphs own
 * are fetched, and the result shaped to the client's selection (aliases, fragments,
 * __typename, nulls), by @apollo/gateway's own executor, the one that serves the
 * gateway's queries, through the same signed data sources (caller, request id,
 * timeout). The executor does not run subscription plans, so an event is given to it
 * as the answer of a first fetch from EVENT_SOURCE, followed by the planner's `rest`
 * (docs/decisions/0015-subscription-planning.md).
 */
export class EventCompleter {
  /** Results of events that need nothing from other subgraphs, shared by the streams that carry the same event. */
  private readonly shared = new Map<string, Promise<ExecutionResult>>();

  constructor(
    private readonly operations: Operations,
    private readonly dataSources: ServiceMap,
    private readonly logger: Logger,
  ) {
    if (EVENT_SOURCE in dataSources) throw new Error(`a subgraph may not be named ${EVENT_SOURCE}`);
  }

  /**
   * The event as the client asked for it. `caller` is who the entity fetches are made
   * for. Never rejects: what failed is in the result's errors.
   */
  complete(prepared: PreparedSubscription, data: Record<string, unknown>, variables: Record<string, unknown>, variablesKey: string, caller: GatewayContext): Promise<ExecutionResult> {
    if (prepared.rest) return this.run(prepared, data, variables, caller);
    // The result depends only on the event, the document and the variables.
    const key = `${prepared.key}\n${variablesKey}\n${JSON.stringify(data)}`;
    let result = this.shared.get(key);
    if (!result) {
      result = this.run(prepared, data, variables, caller);
      this.shared.set(key, result);
      if (this.shared.size > 256) this.shared.delete(this.shared.keys().next().value!);
    }
    return result;
  }

  private async run(prepared: PreparedSubscription, data: Record<string, unknown>, variables: Record<string, unknown>, caller: GatewayContext): Promise<ExecutionResult> {
    const event: GraphQLDataSource = { process: () => Promise.resolve({ data }) };
    const first = { ...prepared.primary, serviceName: EVENT_SOURCE };
    const plan: QueryPlan = { kind: 'QueryPlan', node: prepared.rest ? { kind: 'Sequence', nodes: [first, prepared.rest] } : first };
    // What the executor reads of a request: the variables (fetches, conditions,
    // shaping), the caller its data sources sign (a fresh context per event: one
    // signature for its fetches), a logger and somewhere to note error paths.
    const requestContext = {
      request: { query: prepared.source, operationName: prepared.operationName, variables },
      context: { principal: caller.principal, clientIp: caller.clientIp, requestId: caller.requestId, log: caller.log } satisfies GatewayContext,
      logger: apolloLogger(this.logger),
      metrics: {},
      operationName: prepared.operationName ?? null,
      source: prepared.source,
    } as unknown as RequestContext;
    const result = await executeQueryPlan(
      plan,
      { ...this.dataSources, [EVENT_SOURCE]: event },
      requestContext,
      prepared.operationContext,
      this.operations.supergraphSchema,
      this.operations.apiSchema,
    ).catch((err: unknown) => ({ errors: [err] as GraphQLError[], data: undefined, extensions: undefined }));
    const errors = (result.errors ?? []).map((e) => this.clientError(e, caller));
    // A value the subgraphs left null where the schema says it cannot be: the executor
    // reports it beside the result, GraphQL's own executor as an error. It is an error here.
    const completion = result.extensions?.valueCompletion as readonly GraphQLError[] | undefined;
    for (const e of completion ?? []) errors.push(new GraphQLError(e.message, { path: e.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
    return errors.length ? { data: result.data, errors } : { data: result.data };
  }

  /** A fetch that failed without a GraphQL answer is logged and reported as internal, unless it names its failure (a subgraph unreachable). */
  private clientError(e: unknown, caller: GatewayContext): GraphQLError {
    if (e instanceof GraphQLError) return e;
    // A subgraph that could not be reached says so (SERVICE_UNAVAILABLE, its name), as for queries.
    if (isDomainError(e)) return new GraphQLError(e.message, { extensions: { ...e.details, code: e.code } });
    caller.log.warn({ err: e }, 'an entity fetch for a subscription event failed');
    return new GraphQLError('A service failed to answer.', { originalError: e instanceof Error ? e : undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
}
