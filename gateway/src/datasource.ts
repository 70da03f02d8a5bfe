import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { DomainError, PRINCIPAL_HEADER, SpanKind, SpanStatusCode, contextWithSpan, injectTraceHeaders, signCaller, tracerFor, type Logger, type Principal } from '@frontrow/kit';
import { GraphQLError } from 'graphql';
import type { SharedFetches } from './dedup';
import type WebSocket from 'ws';

/** Who a request to the gateway comes from: an HTTP request, or a subscription's event. */
export interface GatewayContext {
  principal: Principal | null;
  clientIp: string;
  requestId: string;
  log: Logger;
  /** The signed caller header, made once per request. */
  callerHeader?: Promise<string>;
  /** A subscription over the gateway's socket: where its events can be written straight (streams.ts). */
  socket?: { socket: WebSocket; id: string };
}

/**
 * How the gateway calls a subgraph, for queries and for the entity fetches that
 * complete subscription events alike: the caller signed into the principal header
 * (once per request), the request id passed on, and an answer within `timeoutMs`.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
    timeoutMs: number,
    subgraph: string,
    /**
     * How the request goes out: the gateway's undici requests (subgraph-fetcher.ts), not
     * Apollo's default make-fetch-happen, whose agent builds a stack trace for every
     * request: a third of the gateway's time under load (docs/benchmarks.md).
     */
    httpFetcher: Fetcher,
    /** Identical query fetches in flight at once share one (dedup.ts); none when absent. */
    shared?: SharedFetches,
  ) {
    super({ url, fetcher: httpFetcher });
    const fetcher = this.fetcher;
    const tracer = tracerFor('gateway');
    // The timeout covers the whole exchange, the body's reading included; its timer is
    // cleared as soon as the exchange ends, so no call leaves one behind. The exchange
    // is a CLIENT span whose traceparent the subgraph continues.
    this.fetcher = async (input, init) => {
      const span = tracer.startSpan(`POST ${subgraph}`, { kind: SpanKind.CLIENT, attributes: { 'frontrow.subgraph': subgraph, 'server.address': subgraph } });
      const headers: Record<string, string> = { ...((init?.headers as Record<string, string> | undefined) ?? {}) };
      injectTraceHeaders(headers, contextWithSpan(span));
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DOMException('The subgraph did not answer in time.', 'TimeoutError')), timeoutMs);
      let ended = false;
      const done = (failure?: unknown) => {
        clearTimeout(timer);
        if (ended) return;
        ended = true;
        if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure instanceof Error ? failure.message : String(failure) });
        span.end();
      };
      try {
        const response = await fetcher(input, { ...init, headers, signal: controller.signal });
        span.setAttribute('http.response.status_code', response.status);
        for (const read of ['text', 'json'] as const) {
          const original = response[read].bind(response) as () => Promise<unknown>;
          (response as unknown as Record<string, () => Promise<unknown>>)[read] = () =>
            original().then(
              (body) => {
                done();
                return body;
              },
              (e: unknown) => {
                done(e);
                throw e;
              },
            );
        }
        return response;
      } catch (e) {
        done(e);
        // A subgraph that cannot be reached (down, restarting, too slow) is named, with
        // the contract's code for it: the rest of the query's data still comes back.
        if (unreachable(e)) {
          throw new DomainError('SERVICE_UNAVAILABLE', `The ${subgraph} service is unavailable right now; try again shortly.`, { serviceName: subgraph, retryAfterSeconds: 2 });
        }
        throw e;
      }
    };
    if (shared) this.fetcher = shared.wrap(this.fetcher);
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http?.headers;
    if (!headers) return;
    if (!('requestId' in context)) {
      // An internal call of the gateway itself (no client request): signed, anonymous.
      headers.set(PRINCIPAL_HEADER, await signCaller({ principal: null }, this.secret));
      return;
    }
    context.callerHeader ??= signCaller({ principal: context.principal, clientIp: context.clientIp }, this.secret);
    headers.set(PRINCIPAL_HEADER, await context.callerHeader);
    headers.set('x-request-id', context.requestId);
  }

  /**
   * A subgraph that refuses a request with a GraphQL body (a variable it cannot coerce:
   * HTTP 400 and BAD_USER_INPUT) is answered with its own errors, code and message,
   * rather than a bare "400: Bad Request".
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const json = response.headers.get('content-type')?.includes('json');
    const body = (json ? await response.json().catch(() => null) : null) as {
      errors?: Array<{ message?: unknown; extensions?: Record<string, unknown> }>;
    } | null;
    const first = body?.errors?.[0];
    const code = first?.extensions?.code;
    if (response.status < 500 && typeof first?.message === 'string' && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      return new GraphQLError(first.message, { extensions: { code, ...(typeof first.extensions?.field === 'string' ? { field: first.extensions.field } : {}) } });
    }
    // Anything else stays internal: its status and body go to the log, not to the client.
    return new GraphQLError(`The subgraph answered HTTP ${response.status}.`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR', response: { url: response.url, status: response.status, body } },
    });
  }
}

/** Network failures of a call to a subgraph: nothing (or nothing in time) answered. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function unreachable(e: unknown): boolean {
  for (let at: unknown = e, depth = 0; at && typeof at === 'object' && depth < 4; at = (at as { cause?: unknown }).cause, depth++) {
    const { code, name, type } = at as { code?: unknown; name?: unknown; type?: unknown };
    if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
    // Our own timer ran out (node-fetch calls the abort an AbortError of type 'aborted').
    if (name === 'TimeoutError' || name === 'AbortError' || type === 'aborted') return true;
  }
  return false;
}
