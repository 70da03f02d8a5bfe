import { ConfigError, loadConfig, setting } from '@frontrow/kit';
import { DEFAULT_COST_SETTINGS } from './cost';
import { DEFAULT_PERSISTED_OPERATIONS_PATH, PersistedOperations } from './safelist';
import { DEFAULT_RATE_LIMITS, DEFAULT_SUBGRAPH_CONNECTIONS, DEFAULT_SUBGRAPH_TIMEOUT_MS, type GatewayOptions } from './server';

type Env = Record<string, string | undefined>;

/**
 * The gateway's limits from the environment, honoured alike by `npm run start:gateway`
 * and by `npm start`: requests per minute per signed-in caller or key, per address for
 * anonymous callers (generous: a stadium's fans share one address), the proxies whose
 * X-Forwarded-For is believed (HTTP and graphql-ws alike), the browser origins, and how
 * long a subgraph may take to answer one fetch and how many connections it is sent at most, whether identical queries in flight
 * share one execution, what one operation may cost, and whether only the first-party
 * clients' operations are served (OPERATION_SAFELIST, off unless set: the containers of
 * docker/compose.yaml set it; decision 0028) from the list PERSISTED_OPERATIONS_PATH names.
 */
export function readGatewaySettings(
  env: Env = process.env,
): Pick<GatewayOptions, 'rateLimits' | 'trustProxy' | 'corsOrigins' | 'subgraphTimeoutMs' | 'subgraphConnections' | 'inflightDeduplication' | 'cost' | 'operationSafelist' | 'persistedOperations'> {
  const config = loadConfig(
    {
      TRUST_PROXY: setting.int({ default: 0, min: 0, max: 10 }),
      CORS_ORIGINS: setting.string({ default: '*' }),
      RATE_LIMIT_PER_MINUTE: setting.int({ default: DEFAULT_RATE_LIMITS.perPrincipalPerMinute, min: 1 }),
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: setting.int({ default: DEFAULT_RATE_LIMITS.anonymousPerMinute, min: 1 }),
      SUBGRAPH_TIMEOUT_MS: setting.int({ default: DEFAULT_SUBGRAPH_TIMEOUT_MS, min: 100 }),
      SUBGRAPH_CONNECTIONS: setting.int({ default: DEFAULT_SUBGRAPH_CONNECTIONS, min: 1, max: 10_000 }),
      INFLIGHT_DEDUPLICATION: setting.oneOf(['true', 'false'] as const, { default: 'true' }),
      MAX_OPERATION_COST: setting.int({ default: DEFAULT_COST_SETTINGS.maxCost, min: 100 }),
      OPERATION_SAFELIST: setting.oneOf(['true', 'false'] as const, { default: 'false' }),
      PERSISTED_OPERATIONS_PATH: setting.string({ default: DEFAULT_PERSISTED_OPERATIONS_PATH }),
    },
    env,
  );
  let persistedOperations: PersistedOperations;
  try {
    persistedOperations = PersistedOperations.fromFile(config.PERSISTED_OPERATIONS_PATH);
  } catch (e) {
    throw new ConfigError('PERSISTED_OPERATIONS_PATH', `names no list of persisted operations: ${(e as Error).message}`);
  }
  return {
    trustProxy: config.TRUST_PROXY || undefined,
    corsOrigins: config.CORS_ORIGINS === '*' ? '*' : config.CORS_ORIGINS.split(',').map((o) => o.trim()),
    rateLimits: { perPrincipalPerMinute: config.RATE_LIMIT_PER_MINUTE, anonymousPerMinute: config.ANONYMOUS_RATE_LIMIT_PER_MINUTE },
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    subgraphConnections: config.SUBGRAPH_CONNECTIONS,
    inflightDeduplication: config.INFLIGHT_DEDUPLICATION === 'true',
    cost: { maxCost: config.MAX_OPERATION_COST },
    operationSafelist: config.OPERATION_SAFELIST === 'true',
    persistedOperations,
  };
}
