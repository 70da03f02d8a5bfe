import { busQueue } from '../src/bus';
import { ConfigError, loadConfig, setting } from '../src/config';
import { readSubgraphConfig } from '../src/subgraph';

/** What a service reads at start-up; a bad environment must stop it with a useful message. */
const shape = {
  DATABASE_URL: setting.url({ protocols: ['postgres', 'postgresql'] }),
  PORT: setting.int({ default: 4001, min: 1, max: 65535 }),
  PRINCIPAL_SECRET: setting.string({ minLength: 32 }),
  LOG_FORMAT: setting.oneOf(['json', 'pretty'] as const, { default: 'json' }),
  REDIS_URL: setting.url({ optional: true }),
  REGION: setting.optionalString(),
};

const good = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  PRINCIPAL_SECRET: 'x'.repeat(32),
};

function problemOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(shape, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('applies defaults and leaves optional settings undefined', () => {
    expect(loadConfig(shape, good)).toEqual({
      DATABASE_URL: good.DATABASE_URL,
      PORT: 4001,
      PRINCIPAL_SECRET: good.PRINCIPAL_SECRET,
      LOG_FORMAT: 'json',
      REDIS_URL: undefined,
      REGION: undefined,
    });
  });

  it('reads and trims what the environment sets, over the defaults', () => {
    const cfg = loadConfig(shape, { ...good, PORT: ' 8080 ', LOG_FORMAT: 'pretty', REDIS_URL: 'redis://cache:6379', REGION: 'eu' });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.LOG_FORMAT).toBe('pretty');
    expect(cfg.REDIS_URL).toBe('redis://cache:6379');
    expect(cfg.REGION).toBe('eu');
  });

  it('names a missing setting, and treats a blank one as missing', () => {
    const missing = problemOf({ DATABASE_URL: good.DATABASE_URL });
    expect(missing.setting).toBe('PRINCIPAL_SECRET');
    expect(missing.message).toBe('Configuration error: PRINCIPAL_SECRET is required but not set.');

    const blank = problemOf({ ...good, DATABASE_URL: '   ' });
    expect(blank.setting).toBe('DATABASE_URL');
    expect(blank.message).toMatch(/DATABASE_URL is required/);
  });

  it('rejects a malformed integer, and one out of range', () => {
    for (const bad of ['80a', '4.5', 'eighty']) {
      const e = problemOf({ ...good, PORT: bad });
      expect(e.setting).toBe('PORT');
      expect(e.message).toBe(`Configuration error: PORT must be an integer, got "${bad}".`);
    }
    expect(problemOf({ ...good, PORT: '70000' }).message).toMatch(/PORT must be at most 65535/);
    expect(problemOf({ ...good, PORT: '0' }).message).toMatch(/PORT must be at least 1/);
  });

  it('rejects a malformed URL without echoing its credentials, and a wrong protocol', () => {
    const e = problemOf({ ...good, DATABASE_URL: '//admin:hunter2@db:5432' });
    expect(e.setting).toBe('DATABASE_URL');
    expect(e.message).toMatch(/DATABASE_URL is not a valid URL/);
    expect(e.message).not.toContain('hunter2');

    const proto = problemOf({ ...good, DATABASE_URL: 'mysql://db:3306/x' });
    expect(proto.message).toMatch(/DATABASE_URL must use one of: postgres, postgresql/);
  });

  it('rejects a value outside the allowed set and a secret that is too short', () => {
    expect(problemOf({ ...good, LOG_FORMAT: 'xml' }).message).toMatch(/LOG_FORMAT must be one of json, pretty, got "xml"/);
    expect(problemOf({ ...good, PRINCIPAL_SECRET: 'short' }).message).toMatch(/PRINCIPAL_SECRET must be at least 32 characters/);
  });

  it('collects every problem into one error', () => {
    const e = problemOf({ PORT: 'abc', LOG_FORMAT: 'xml', REDIS_URL: 'not a url' });
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines).toEqual([
      expect.stringMatching(/^Configuration error: DATABASE_URL is required/),
      expect.stringMatching(/^Configuration error: PORT must be an integer/),
      expect.stringMatching(/^Configuration error: PRINCIPAL_SECRET is required/),
      expect.stringMatching(/^Configuration error: LOG_FORMAT must be one of/),
      expect.stringMatching(/^Configuration error: REDIS_URL is not a valid URL/),
    ]);
    expect(e.setting.split(', ')).toEqual(['DATABASE_URL', 'PORT', 'PRINCIPAL_SECRET', 'LOG_FORMAT', 'REDIS_URL']);
  });

  it('reads process.env when no environment is given', () => {
    const name = 'KIT_CONFIG_TEST_SETTING';
    process.env[name] = '42';
    try {
      expect(loadConfig({ [name]: setting.int() })[name]).toBe(42);
    } finally {
      delete process.env[name];
    }
  });
});

describe('readSubgraphConfig', () => {
  const base = { PRINCIPAL_SECRET: 'x'.repeat(32) };
  const read = (env: Record<string, string>) => readSubgraphConfig('widgets', { variable: 'WIDGETS_PORT', default: 4100 }, {}, env).options;

  it('names the bus queues in BUS_NAMESPACE, and in none without it', () => {
    expect(read(base)).toMatchObject({ port: 4100, busNamespace: '', declareBusTopology: true });
    expect(read({ ...base, BUS_NAMESPACE: 'staging_' }).busNamespace).toBe('staging_');
    expect(busQueue('media.feeds', read({ ...base, BUS_NAMESPACE: 'staging_' }).busNamespace).queue).toBe('staging_media.feeds');
  });

  it('refuses a namespace a queue name cannot start with', () => {
    for (const bad of ['a b', 'x/y', 'é', 'n'.repeat(101)]) {
      expect(() => read({ ...base, BUS_NAMESPACE: bad })).toThrow(/BUS_NAMESPACE must be at most 100 letters, digits/);
    }
  });
});
