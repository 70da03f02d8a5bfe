import type { BusTransport, KeyValueStore } from '@frontrow/kit';
import { testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { launchPlatform, platformQueues, type Platform, type PlatformOptions } from '../src/launch';

/** The whole platform for one test suite, on free ports, with schemas and queues of its own. */
export interface TestPlatform {
  platform: Platform;
  kv: KeyValueStore;
  transport: BusTransport;
  /** What the gateway signs the caller header with (tests sign as the gateway would). */
  principalSecret: string;
  /** Stops it, drops its schemas, deletes its queues, closes its connections. */
  stop(): Promise<void>;
}

export async function startTestPlatform(name: string, extra: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  const kv = testKv();
  const transport = testTransport();
  const prefix = `${uniqueName(name)}_`;
  const principalSecret = extra.principalSecret ?? testSecret();
  let platform: Platform | undefined;
  const stop = async () => {
    await platform?.stop();
    for (const q of platformQueues(prefix)) await transport.deleteQueue(q).catch(() => undefined);
    await transport.close();
    await kv.close();
  };
  try {
    platform = await launchPlatform({
      gatewayPort: 0,
      webPort: false,
      ports: { identity: 0, events: 0, media: 0, commerce: 0, creative: 0, presence: 0, telemetry: 0 },
      principalSecret,
      paymentsWebhookSecret: testSecret(),
      databaseUrl: testEnv.databaseUrl,
      schemaPrefix: prefix,
      dropSchemasOnStop: true,
      kv,
      transport,
      ...extra,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { platform, kv, transport, principalSecret, stop };
}
