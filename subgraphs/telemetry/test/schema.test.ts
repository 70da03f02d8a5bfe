import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printTelemetrySdl } from '../src/schema';

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run compose` after a change)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(`${(await printTelemetrySdl()).trim()}\n`).toBe(committed);
  });

  it('keeps DESIGN.md\'s names: recordTelemetry, qosSummary, auditLog, createAlertRule, alerts', async () => {
    const sdl = await printTelemetrySdl();
    for (const field of [
      'recordTelemetry(events: [TelemetryEventInput!]!): IngestResult!',
      'qosSummary(eventId: ID!, window: String!): QosSummary!',
      'auditLog(filter: AuditFilter, first: Int, after: String): AuditConnection!',
      'createAlertRule(metric: String!, threshold: Float!, window: String!): AlertRule!',
      'alerts: Alert!',
    ]) {
      expect(sdl.replace(/"""[\s\S]*?"""/g, '').replace(/\s+/g, ' ')).toContain(field);
    }
  });
});
