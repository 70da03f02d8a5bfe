import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanKind, configureTracing, contextOf, createLogger, currentTraceparent, inSpan, tracerFor } from '../src';

describe('traces', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => configureTracing({ exporter, immediate: true }));
  beforeEach(() => exporter.reset());

  it('writes the trace id into every log line made inside a span', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger('kit-test', sink);
    log.level = 'info';
    log.info('outside');
    const parent = contextOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await inSpan(tracerFor('kit-test'), 'work', { parent }, async () => log.child({ requestId: 'r1' }).info('inside'));
    expect(lines[0].trace_id).toBeUndefined();
    expect(lines[1]).toMatchObject({ msg: 'inside', requestId: 'r1', trace_id: '0af7651916cd43dd8448eb211c80319c', service: 'kit-test' });
    expect(exporter.getFinishedSpans().map((s) => s.parentSpanContext?.spanId)).toEqual(['b7ad6b7169203331']);
  });

  it('starts a new trace for a malformed or absent traceparent, and carries the active one on', async () => {
    for (const bad of ['garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', undefined]) {
      const made = await inSpan(tracerFor('kit-test'), 'fresh', { parent: contextOf(bad), kind: SpanKind.CONSUMER }, async () => currentTraceparent());
      expect(made).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(made).not.toContain('0af7651916cd43dd8448eb211c80319c');
    }
    expect(exporter.getFinishedSpans().every((s) => !s.parentSpanContext)).toBe(true);
  });

  it('marks a span whose work failed, and passes the failure on', async () => {
    await expect(inSpan(tracerFor('kit-test'), 'fails', {}, async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toMatchObject({ code: 2, message: 'no' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });
});
