import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RequestHandler } from 'express';

export { SpanKind, SpanStatusCode, type Span };

/**
 * Traces (DESIGN: "Running it"). Every service has a tracer named after it; its spans
 * go to the exporter the process was configured with: OTLP over HTTP when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the
 * exporter a test gives `configureTracing`, or nowhere. With no exporter spans are
 * still made and carried on (to subgraphs, onto the bus), so logs of one request name
 * one trace across services; they are just not sent anywhere.
 *
 * One process may hold several services (the embedded quick start, the tests): each
 * gets a provider of its own, so that its spans carry its `service.name`, while the
 * context (AsyncLocalStorage) and the W3C propagator are the process's.
 */
export interface TracingSettings {
  /** Where spans go; absent: OTLP when the environment names an endpoint, else none. */
  exporter?: SpanExporter;
  /** Export each span as it ends (tests) rather than in batches. */
  immediate?: boolean;
}

interface TracingState {
  settings: TracingSettings | undefined;
  providers: Map<string, BasicTracerProvider>;
  exporter?: SpanExporter;
}

const state: TracingState = { settings: undefined, providers: new Map() };
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

function exporterOf(settings: TracingSettings | undefined): SpanExporter | undefined {
  if (settings?.exporter) return settings.exporter;
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    state.exporter ??= new OTLPTraceExporter();
    return state.exporter;
  }
  return undefined;
}

/** Sets where every service of this process sends spans (before the services start). */
export function configureTracing(settings: TracingSettings): void {
  install();
  state.settings = settings;
  state.providers.clear();
}

/** The tracer of a service (its spans are made, and logged by id, even when nothing exports them). */
export function tracerFor(service: string): Tracer {
  install();
  const existing = state.providers.get(service);
  if (existing) return existing.getTracer(service);
  const exporter = exporterOf(state.settings);
  const processors: SpanProcessor[] = exporter ? [state.settings?.immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)] : [];
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: processors });
  state.providers.set(service, provider);
  return provider.getTracer(service);
}

/** Sends what the processors still hold (a service's stop, a test's assertion). */
export async function flushTracing(): Promise<void> {
  await Promise.all([...state.providers.values()].map((p) => p.forceFlush()));
}

/** The `traceparent` of the active span (or of a given context), when there is one. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The context a `traceparent` names (the root context when absent or malformed). */
export function contextOf(traceparent: string | null | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** The active context with `span` as its span (what an outgoing call carries). */
export function contextWithSpan(span: Span): Context {
  return trace.setSpan(context.active(), span);
}

/** Writes the active context's `traceparent` (and `tracestate`) into outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers);
}

/** The active span's context, as a list for span links (empty when there is none). */
export function activeSpanContext(): SpanContext[] {
  const span = trace.getActiveSpan();
  return span && trace.isSpanContextValid(span.spanContext()) ? [span.spanContext()] : [];
}

/** What logs carry: the active span's trace and span ids. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  if (!trace.isSpanContextValid(c)) return {};
  return { trace_id: c.traceId, span_id: c.spanId };
}

/**
 * Runs `work` in a new span (a child of `parent`, by default the active context),
 * ending it when the work settles; a thrown error marks the span and is rethrown.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context; links?: SpanContext[] },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const links = options.links?.map((c) => ({ context: c }));
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (e) {
    span.recordException(e instanceof Error ? e : String(e));
    span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    span.end();
  }
}

/**
 * Express middleware: each request in a SERVER span, a child of the caller's
 * `traceparent` when it sent one, ended when the response is sent; what runs after it
 * (Apollo Server, the resolvers, their queries and fetches) runs inside that span.
 */
export function traceRequests(service: string): RequestHandler {
  const tracer = tracerFor(service);
  return (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    res.once('close', () => {
      if (!res.writableFinished) span.end();
    });
    context.with(trace.setSpan(parent, span), () => next());
  };
}

/** Names the request's span after the GraphQL operation once Apollo Server knows it. */
export function nameActiveSpan(name: string, attributes: Record<string, string>): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(name);
  span.setAttributes(attributes);
}

/** Marks the active span as failed. */
export function failActiveSpan(message: string): void {
  trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message });
}
