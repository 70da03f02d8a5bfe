import { loadConfig, setting } from '@frontrow/kit';
import { DEFAULT_COST_SETTINGS } from './cost';
import { DEFAULT_RATE_LIMITS, DEFAULT_SUBGRAPH_TIMEOUT_MS, type GatewayOptions } from './server';

type Env = Record<string, string | undefined>;

/**
 * The gateway's limits from the environment, honoured alike by `npm run start:gateway`
 * and by `npm start`: requests per minute per signed-in caller or key, per address for
 * anonymous callers (generous: a stadium's fans share one address), the proxies whose
 * X-Forwarded-For is believed (HTTP and graphql-ws alike), the browser origins, and how
 * long a subgraph may take to answer one fetch, whether identical queries in flight
 * share one execution, and what one operation may cost.
 */
export function readGatewaySettings(env: Env = process.env): Pick<GatewayOptions, 'rateLimits' | 'trustProxy' | 'corsOrigins' | 'subgraphTimeoutMs' | 'inflightDeduplication' | 'cost'> {
  const config = loadConfig(
    {
      TRUST_PROXY: setting.int({ default: 0, min: 0, max: 10 }),
      CORS_ORIGINS: setting.string({ default: '*' }),
      RATE_LIMIT_PER_MINUTE: setting.int({ default: DEFAULT_RATE_LIMITS.perPrincipalPerMinute, min: 1 }),
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: setting.int({ default: DEFAULT_RATE_LIMITS.anonymousPerMinute, min: 1 }),
      SUBGRAPH_TIMEOUT_MS: setting.int({ default: DEFAULT_SUBGRAPH_TIMEOUT_MS, min: 100 }),
      INFLIGHT_DEDUPLICATION: setting.oneOf(['true', 'false'] as const, { default: 'true' }),
      MAX_OPERATION_COST: setting.int({ default: DEFAULT_COST_SETTINGS.maxCost, min: 100 }),
    },
    env,
  );
  return {
    trustProxy: config.TRUST_PROXY || undefined,
    corsOrigins: config.CORS_ORIGINS === '*' ? '*' : config.CORS_ORIGINS.split(',').map((o) => o.trim()),
    rateLimits: { perPrincipalPerMinute: config.RATE_LIMIT_PER_MINUTE, anonymousPerMinute: config.ANONYMOUS_RATE_LIMIT_PER_MINUTE },
    subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    inflightDeduplication: config.INFLIGHT_DEDUPLICATION === 'true',
    cost: { maxCost: config.MAX_OPERATION_COST },
  };
}
