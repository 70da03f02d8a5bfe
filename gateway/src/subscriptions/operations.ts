import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { buildOperationContext } from '@apollo/gateway';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import { MAX_DOCUMENT_TOKENS, checkLimits, checkLiterals, type OperationLimits } from '@frontrow/kit';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { completionSharing, sharedRootField, type CompletionSharing } from './sharing';

export type OperationContext = ReturnType<typeof buildOperationContext>;

/** A subscription ready to be served: its plan, split where the event arrives. */
export interface PreparedSubscription {
  /** The operation's text and name: what makes two subscriptions the same. */
  key: string;
  source: string;
  operationName: string | undefined;
  /** The root field, forwarded to the subgraph that owns it. */
  primary: FetchNode;
  /** What completes each event: the fields other subgraphs own (none: undefined). */
  rest?: PlanNode;
  /** The operation as @apollo/gateway's executor reads it. */
  operationContext: OperationContext;
  /**
   * The root field is `@callerIndependent`: one upstream stream serves every caller,
   * each admitted by the subgraph through a stream of its own (kit delivery.ts).
   */
  shared: boolean;
  /** Who one event's completion can serve. */
  completion: CompletionSharing;
}

/** At most this many documents and plans are remembered (the oldest dropped first). */
const CACHE_SIZE = 500;

/**
 * Operation preparation for the socket: each document text is parsed, checked against
 * the gateway's limits and validated once (thousands of fans send the same few);
 * variables are coerced per operation; subscriptions are planned by Apollo's query
 * planner against the supergraph, once per text, like @apollo/gateway plans queries.
 */
export class Operations {
  /** The API schema, what clients see and are validated against. */
  readonly schema: GraphQLSchema;
  /** The supergraph schema, which @apollo/gateway's executor reads type conditions in. */
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  private readonly planner: QueryPlanner;
  private readonly supergraph: Supergraph;
  private readonly documents = new Map<string, DocumentNode>();
  private readonly plans = new Map<string, PreparedSubscription>();

  constructor(
    supergraphSdl: string,
    private readonly limits: OperationLimits,
  ) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraph = supergraph;
    this.apiSchema = supergraph.apiSchema();
    this.schema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** The document of a text, parsed and valid, or why not (errors with a code). */
  document(source: string): { document: DocumentNode } | { errors: GraphQLError[] } {
    const cached = this.documents.get(source);
    if (cached) return { document: cached };
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: MAX_DOCUMENT_TOKENS });
    } catch (e) {
      return { errors: [new GraphQLError((e as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })] };
    }
    try {
      // Before GraphQL's own rules, some of which cost the square of the document.
      checkLimits(document, this.limits);
      checkLiterals(document);
    } catch (e) {
      return { errors: [asGraphQLError(e)] };
    }
    const errors = validate(this.schema, document, specifiedRules);
    if (errors.length) return { errors: errors.map(withCode) };
    remember(this.documents, source, document);
    return { document };
  }

  /**
   * The variables as the operation declares them: coerced, defaults applied. These,
   * not what the client sent, are what runs and what goes on to the subgraphs.
   */
  variables(operation: OperationDefinitionNode, given: Record<string, unknown> | null | undefined): { variables: Record<string, unknown> } | { errors: GraphQLError[] } {
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], given ?? {});
    return coerced.errors ? { errors: coerced.errors.map(withCode) } : { variables: coerced.coerced };
  }

  /** A valid subscription's plan; throws a GraphQLError for one the gateway cannot serve. */
  subscription(document: DocumentNode, operationName: string | undefined): PreparedSubscription {
    const source = document.loc?.source.body ?? JSON.stringify(document);
    const key = `${operationName ?? ''}\n${source}`;
    const cached = this.plans.get(key);
    if (cached) {
      // The most recently used stay.
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) throw new GraphQLError('Name the operation to run.', { extensions: { code: 'BAD_USER_INPUT' } });
    const plan = this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, document, { operationName }));
    if (plan.node?.kind !== 'Subscription') throw new Error('the query planner produced no subscription plan');
    const prepared: PreparedSubscription = {
      key,
      source,
      operationName,
      primary: plan.node.primary,
      rest: plan.node.rest,
      operationContext: buildOperationContext({ schema: this.schema, operationDocument: document, operationName }),
      shared: sharedRootField(this.supergraph.schema, operation),
      completion: completionSharing(this.supergraph.schema, plan.node.rest),
    };
    remember(this.plans, key, prepared);
    return prepared;
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.set(key, value);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

export function withCode(e: GraphQLError): GraphQLError {
  return e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } });
}

export function asGraphQLError(e: unknown): GraphQLError {
  if (e instanceof GraphQLError) return e;
  return new GraphQLError('Internal server error.', { originalError: e instanceof Error ? e : undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
