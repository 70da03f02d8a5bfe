import type { Logger, RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IngestBuffer, IngestSettings } from './ingest';
import type { SessionOwners } from './sessions';

export interface TelemetrySettings extends IngestSettings {
  /** Days raw events are kept (rollups stay). */
  retentionDays: number;
}

export interface TelemetryServices {
  ingest: IngestBuffer;
  sessions: SessionOwners;
  settings: TelemetrySettings;
  logger: Logger;
}

export interface TelemetryContext extends RequestBase {
  em: EntityManager;
  services: TelemetryServices;
}
