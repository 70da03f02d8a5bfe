/**
 * Configuration read from the environment and validated at start-up. A missing or
 * malformed setting stops the service with a message that names it; no secret has a
 * fallback value in code.
 */
export class ConfigError extends Error {
  constructor(readonly setting: string, problem: string) {
    super(`Configuration error: ${setting} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export interface Setting<T> {
  read(name: string, env: Env): T;
}

function raw(name: string, env: Env): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export const setting = {
  string(opts: { default?: string; optional?: boolean; minLength?: number } = {}): Setting<string> {
    return {
      read(name, env) {
        const v = raw(name, env) ?? opts.default;
        if (v === undefined) {
          if (opts.optional) return undefined as unknown as string;
          throw new ConfigError(name, 'is required but not set.');
        }
        if (opts.minLength && v.length < opts.minLength) {
          throw new ConfigError(name, `must be at least ${opts.minLength} characters long.`);
        }
        return v;
      },
    };
  },
  /** Unset is undefined; `pattern` (described by `shape` in the message) checks a value that is set. */
  optionalString(opts: { pattern?: RegExp; shape?: string } = {}): Setting<string | undefined> {
    return {
      read(name, env) {
        const v = raw(name, env);
        if (v !== undefined && opts.pattern && !opts.pattern.test(v)) {
          throw new ConfigError(name, `must be ${opts.shape ?? `of the form ${opts.pattern.source}`}, got "${v}".`);
        }
        return v;
      },
    };
  },
  url(opts: { optional?: boolean; protocols?: string[] } = {}): Setting<string | undefined> {
    return {
      read(name, env) {
        const v = raw(name, env);
        if (v === undefined) {
          if (opts.optional) return undefined;
          throw new ConfigError(name, 'is required but not set.');
        }
        let parsed: URL;
        try {
          parsed = new URL(v);
        } catch {
          throw new ConfigError(name, `is not a valid URL: "${v.replace(/\/\/.*@/, '//***@')}".`);
        }
        if (opts.protocols && !opts.protocols.includes(parsed.protocol.replace(/:$/, ''))) {
          throw new ConfigError(name, `must use one of: ${opts.protocols.join(', ')}.`);
        }
        return v;
      },
    };
  },
  int(opts: { default?: number; min?: number; max?: number } = {}): Setting<number> {
    return {
      read(name, env) {
        const v = raw(name, env);
        if (v === undefined) {
          if (opts.default !== undefined) return opts.default;
          throw new ConfigError(name, 'is required but not set.');
        }
        if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be an integer, got "${v}".`);
        const n = Number(v);
        if (opts.min !== undefined && n < opts.min) throw new ConfigError(name, `must be at least ${opts.min}.`);
        if (opts.max !== undefined && n > opts.max) throw new ConfigError(name, `must be at most ${opts.max}.`);
        return n;
      },
    };
  },
  oneOf<T extends string>(values: readonly T[], opts: { default?: T } = {}): Setting<T> {
    return {
      read(name, env) {
        const v = raw(name, env) ?? opts.default;
        if (v === undefined) throw new ConfigError(name, 'is required but not set.');
        if (!values.includes(v as T)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${v}".`);
        return v as T;
      },
    };
  },
};

export type ConfigShape = Record<string, Setting<unknown>>;
export type ConfigOf<S extends ConfigShape> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Reads every setting of the shape; collects all problems and reports them together. */
export function loadConfig<S extends ConfigShape>(shape: S, env: Env = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: ConfigError[] = [];
  for (const [name, s] of Object.entries(shape)) {
    try {
      out[name] = s.read(name, env);
    } catch (e) {
      if (e instanceof ConfigError) problems.push(e);
      else throw e;
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    const err = new ConfigError(problems.map((p) => p.setting).join(', '), '');
    err.message = problems.map((p) => p.message).join('\n');
    throw err;
  }
  return out as ConfigOf<S>;
}
