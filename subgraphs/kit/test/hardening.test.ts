/**
 * The kit's defences against what an outside probe sent: API-key scopes, operation
 * limits measured in linear time, text and dates refused at the edge, JSON errors for
 * bodies that never reach GraphQL, and subgraphs that answer only the gateway.
 */
import { parse, type GraphQLSchema } from 'graphql';
import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Access, collectAccessRules, enforceAccess, operationAccessRules, type AccessRule } from '../src/access';
import { DomainError, formatError, withoutEchoedInput } from '../src/errors';
import { checkLiterals, checkVariables, isServiceSdlQuery, MAX_STRING_LENGTH, textProblem } from '../src/guard';
import { createLogger } from '../src/logger';
import { DEFAULT_OPERATION_LIMITS, measureOperations } from '../src/limits';
import { PRINCIPAL_HEADER, signCaller, type Principal } from '../src/principal';
import { DateTimeScalar, SCALARS_MAP } from '../src/scalars';
import { buildFederatedSchema } from '../src/schema';
import { startSubgraphServer, type RequestBase, type ServiceHandle } from '../src/server';
import { testSecret } from '../src/testing';

const fan: Principal = { kind: 'user', userId: 'u1', roles: ['FAN'], scopes: [] };
const moderator: Principal = { kind: 'user', userId: 'u2', roles: ['FAN', 'MODERATOR'], scopes: [] };
const keyOf = (p: Principal, scopes: string[]): Principal => ({ ...p, kind: 'apiKey', apiKeyId: 'k1', scopes });

function codeOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'THROWN';
  }
}

describe('access rules', () => {
  const modRead: AccessRule = { scope: 'moderation:read', roles: ['MODERATOR'] };

  it('a key acts with the intersection of its owner\'s roles and its scopes', () => {
    // The probe: a moderator's key made for another purpose read the moderation queue.
    expect(codeOf(() => enforceAccess(modRead, keyOf(moderator, ['profile:read'])))).toBe('FORBIDDEN');
    expect(() => enforceAccess(modRead, keyOf(moderator, ['profile:read']))).toThrow(/lacks the scope "moderation:read"/);
    expect(codeOf(() => enforceAccess(modRead, keyOf(moderator, ['moderation:read'])))).toBeUndefined();
    // The scope alone is not enough: the owner needs the role.
    expect(codeOf(() => enforceAccess(modRead, keyOf(fan, ['moderation:read'])))).toBe('FORBIDDEN');
    expect(codeOf(() => enforceAccess(modRead, moderator))).toBeUndefined();
    expect(codeOf(() => enforceAccess(modRead, fan))).toBe('FORBIDDEN');
    expect(codeOf(() => enforceAccess(modRead, null))).toBe('UNAUTHENTICATED');
  });

  it('users-only operations refuse every key; public ones refuse nobody; anonymous-friendly ones still check keys', () => {
    expect(codeOf(() => enforceAccess({ usersOnly: true }, keyOf(fan, ['profile:read'])))).toBe('FORBIDDEN');
    expect(codeOf(() => enforceAccess({ usersOnly: true }, fan))).toBeUndefined();
    expect(codeOf(() => enforceAccess({ public: true }, null))).toBeUndefined();
    expect(codeOf(() => enforceAccess({ public: true }, keyOf(fan, [])))).toBeUndefined();
    const me: AccessRule = { anonymous: true, scope: 'profile:read' };
    expect(codeOf(() => enforceAccess(me, null))).toBeUndefined();
    expect(codeOf(() => enforceAccess(me, keyOf(fan, [])))).toBe('FORBIDDEN');
    expect(codeOf(() => enforceAccess(me, keyOf(fan, ['profile:read'])))).toBeUndefined();
    // A rule without a scope admits no key at all.
    expect(codeOf(() => enforceAccess({ roles: ['MODERATOR'] }, keyOf(moderator, ['moderation:read'])))).toBe('FORBIDDEN');
  });

  @ObjectType()
  class Thing {
    @Field(() => ID)
    id!: string;
  }

  @Resolver()
  class Undecided {
    @Access({ public: true })
    @Query(() => Thing, { nullable: true })
    decided(): Thing | null {
      return null;
    }

    @Mutation(() => Boolean)
    forgotten(): boolean {
      return true;
    }
  }

  it('a schema with an operation nobody decided about does not build', async () => {
    expect(() => collectAccessRules('probe', [Undecided])).toThrow(/Mutation\.forgotten/);
    await expect(buildFederatedSchema({ resolvers: [Undecided] }, {}, { name: 'probe' })).rejects.toThrow(/missing on Mutation\.forgotten/);
  });

  @Resolver()
  class Guarded {
    @Access({ scope: 'moderation:read', roles: ['MODERATOR'] })
    @Query(() => String)
    secret(@Ctx() _ctx: { principal: Principal | null }): string {
      return 'private chat text';
    }
  }

  it('the decorator enforces the rule before the resolver runs, and the table lists it', async () => {
    const schema = await buildFederatedSchema({ resolvers: [Guarded] }, {}, { name: 'guarded' });
    const { graphql } = await import('graphql');
    const run = (principal: Principal | null) => graphql({ schema, source: '{ secret }', contextValue: { principal } });
    const refused = await run(keyOf(moderator, ['profile:read']));
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0].message).toMatch(/lacks the scope/);
    expect((await run(keyOf(moderator, ['moderation:read']))).data).toEqual({ secret: 'private chat text' });
    expect(operationAccessRules().get('Query.secret')).toEqual({ subgraph: 'guarded', rule: { scope: 'moderation:read', roles: ['MODERATOR'] } });
  });
});

describe('operation limits', () => {
  it('measures a fragment fan-out in time linear in the document', () => {
    // Each fragment spreads the one before twice: 2^30 fields once expanded.
    let fragments = 'fragment F0 on Event { id }\n';
    for (let i = 1; i <= 30; i++) fragments += `fragment F${i} on Event { ...F${i - 1} ... on Event { ...F${i - 1} } }\n`;
    const doc = parse(`query { event(id: "x") { ...F30 } }\n${fragments}`);
    const started = process.hrtime.bigint();
    const [m] = [...measureOperations(doc).values()];
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(m.fields).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.maxFields);
    expect(m.fields).toBe(2 ** 30 + 1);
    // Behaviour, not a benchmark: the old rule walked every expansion (8.4 s at 20 levels).
    expect(ms).toBeLessThan(500);
  });

  it('lets the standard introspection query through: ofType unwraps wrappers and costs no depth', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const [m] = [...measureOperations(parse(getIntrospectionQuery({ inputValueDeprecation: true, specifiedByUrl: true }))).values()];
    expect(m.depth).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxDepth);
    expect(m.fields).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxFields);
    const nested = parse(`{ __schema { types { ${'fields { type { '.repeat(8)} name ${'} } '.repeat(8)} } } }`);
    expect([...measureOperations(nested).values()][0].depth).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.maxDepth);
  });

  it('counts depth, aliases and root fields through fragments, and survives a cycle', () => {
    const doc = parse(`
      query { a: event(id: "1") { ...F } b: event(id: "2") { ...F } }
      fragment F on Event { x: title feeds { event { id } } }
      fragment C1 on Event { ...C2 } fragment C2 on Event { ...C1 }
    `);
    const [m] = [...measureOperations(doc).values()];
    expect(m).toEqual({ depth: 3, aliases: 4, fields: 10, rootFields: 2 });
    const cyclic = parse('query { event(id: "1") { ...C1 } } fragment C1 on Event { ...C2 } fragment C2 on Event { id ...C1 }');
    expect([...measureOperations(cyclic).values()][0].depth).toBe(1);
  });
});

describe('text at the edge', () => {
  it('refuses over-long strings, control characters and unpaired surrogates, never echoing them', () => {
    expect(textProblem('a'.repeat(MAX_STRING_LENGTH))).toBeNull();
    expect(textProblem('a'.repeat(MAX_STRING_LENGTH + 1))).toMatch(/longer than/);
    expect(textProblem('a\u0000b')).toMatch(/control character/);
    expect(textProblem('a\u001bb')).toMatch(/control character/);
    expect(textProblem('line one\nline two\ttabbed\r\n')).toBeNull();
    expect(textProblem('a\ud800b')).toMatch(/surrogate/);
    expect(textProblem('\udc00')).toMatch(/surrogate/);
    expect(textProblem('🏟️ فريق 👍🏽 🇪🇸')).toBeNull();
    const secret = `${'x'.repeat(200_000)}SECRET`;
    expect(() => checkVariables({ input: { scopes: [secret] } })).toThrow(/variable at "input\.scopes\.0" is longer/);
    try {
      checkVariables({ input: { scopes: [secret] } });
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(200);
    }
    expect(() => checkLiterals(parse('{ events(filter: { search: "a\\u0000b" }) { edges { cursor } } }'))).toThrow(/control character/);
  });

  it('never sends the caller\'s input back inside GraphQL\'s own coercion errors', () => {
    const password = 'correct horse battery staple';
    const echoed = `Variable "$i" got invalid value { email: "a@b.c", password: "${password}" }; Field "displayName" of required type "String!" was not provided.`;
    const formatted = formatError({ message: echoed, extensions: { code: 'BAD_USER_INPUT' } }, new Error(echoed));
    expect(formatted.message).toBe('Variable "$i" got an invalid value; Field "displayName" of required type "String!" was not provided.');
    expect(withoutEchoedInput(`Variable "$q" got invalid value "abc" at "i.quantity"; Int cannot represent non-integer value: "abc"`)).toBe(
      'Variable "$q" got an invalid value at "i.quantity"; Int cannot represent non-integer value: "abc"',
    );
    expect(withoutEchoedInput(`Variable "$r" got invalid value "${'X'.repeat(200_000)}"; Value "${'X'.repeat(200_000)}" does not exist in "Role" enum.`).length).toBeLessThanOrEqual(300);
  });

  it('refuses dates outside years 1900 to 9999 as BAD_USER_INPUT', () => {
    expect(SCALARS_MAP[0].scalar).toBe(DateTimeScalar);
    expect(DateTimeScalar.parseValue('2026-12-02T10:00:00Z')).toEqual(new Date('2026-12-02T10:00:00Z'));
    for (const bad of ['+275760-09-13T00:00:00.000Z', '1899-12-31T23:59:59Z', 'x'.repeat(100)]) {
      let code: unknown;
      try {
        DateTimeScalar.parseValue(bad);
      } catch (e) {
        code = (e as { extensions?: { code?: string } }).extensions?.code;
      }
      expect(code).toBe('BAD_USER_INPUT');
    }
  });

  it('knows the composition tools\' SDL query from everything else', () => {
    expect(isServiceSdlQuery('query SubgraphIntrospectQuery { _service { sdl } }')).toBe(true);
    expect(isServiceSdlQuery('{ _service { sdl } }')).toBe(true);
    expect(isServiceSdlQuery('{ _service { sdl } me { id } }')).toBe(false);
    expect(isServiceSdlQuery('{ _entities(representations: []) { __typename } }')).toBe(false);
    expect(isServiceSdlQuery('mutation { _service { sdl } }')).toBe(false);
    expect(isServiceSdlQuery('{ __typename }')).toBe(false);
  });
});

describe('a kit subgraph server on the wire', () => {
  @Resolver()
  class Echo {
    @Access({ public: true })
    @Query(() => String)
    echo(@Arg('text', () => String) text: string): string {
      return text;
    }

    @Access({ public: true })
    @Query(() => String, { nullable: true })
    when(@Arg('at', () => Date) at: Date): string {
      return at.toISOString();
    }

    @Access({ public: true })
    @Query(() => [Node])
    nodes(): Node[] {
      return [];
    }
  }

  @ObjectType()
  class Node {
    @Field(() => ID)
    id!: string;

    @Field(() => [Node])
    children!: Node[];
  }

  const secret = testSecret();
  let handle: ServiceHandle;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    schema = await buildFederatedSchema({ resolvers: [Echo], orphanedTypes: [Node], scalarsMap: SCALARS_MAP }, {}, { name: 'echo' });
    handle = await startSubgraphServer<RequestBase>({
      name: 'echo',
      port: 0,
      schema,
      logger: createLogger('echo'),
      principalSecret: secret,
      context: (base) => base,
    });
  });
  afterAll(() => handle?.stop());

  const post = async (body: string, signed = true, headers: Record<string, string> = {}) => {
    const res = await fetch(handle.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signed ? { [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret) } : {}),
        ...headers,
      },
      body,
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: (() => { try { return JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }>; data?: unknown }; } catch { return null; } })() };
  };

  it('answers unsigned requests with 401, except the SDL that composition tools fetch', async () => {
    const deep = `query { nodes { ${'children { '.repeat(60)}id${' }'.repeat(60)} } }`;
    const refused = await post(JSON.stringify({ query: deep }), false);
    expect(refused.status).toBe(401);
    expect(refused.json?.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await post(JSON.stringify({ query: '{ echo(text: "hi") }' }), false, { [PRINCIPAL_HEADER]: 'made.up.value' });
    expect(forged.status).toBe(401);
    const sdl = await post(JSON.stringify({ query: 'query SubgraphIntrospectQuery { _service { sdl } }' }), false);
    expect(sdl.status).toBe(200);
    expect(JSON.stringify(sdl.json?.data)).toContain('type Query');
  });

  it('applies the gateway\'s limits to signed requests too', async () => {
    const deep = `query { nodes { ${'children { '.repeat(60)}id${' }'.repeat(60)} } }`;
    const r = await post(JSON.stringify({ query: deep }));
    expect(r.status).toBe(400);
    expect(r.json?.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.json?.errors?.[0].message).toMatch(/levels deep/);
    const aliases = `query { ${Array.from({ length: 1000 }, (_, i) => `a${i}: echo(text: "x")`).join(' ')} }`;
    expect((await post(JSON.stringify({ query: aliases }))).json?.errors?.[0].message).toMatch(/aliases/);
  });

  it('answers bodies that are not JSON, too large, or null with JSON errors, no stack and no paths', async () => {
    for (const [body, status] of [
      ['{"query":', 400],
      ['null', 400],
      [JSON.stringify({ query: `{ echo(text: "${'a'.repeat(2_000_000)}") }` }), 413],
    ] as const) {
      const r = await post(body);
      expect(r.status).toBe(status);
      expect(r.type).toContain('application/json');
      expect(r.json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.text).not.toMatch(/at |node_modules|\/src\/|<html/i);
    }
    const missing = await fetch(handle.url.replace('/graphql', '/nowhere'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('refuses NUL, unpaired surrogates and year 275760 with BAD_USER_INPUT, and two unnamed operations with 400', async () => {
    const cases = [
      { query: 'query($t: String!) { echo(text: $t) }', variables: { t: 'a\u0000b' }, code: 'BAD_USER_INPUT' },
      { query: 'query($t: String!) { echo(text: $t) }', variables: { t: 'a\ud800b' }, code: 'BAD_USER_INPUT' },
      { query: 'query($at: DateTime!) { when(at: $at) }', variables: { at: '+275760-09-13T00:00:00.000Z' }, code: 'BAD_USER_INPUT' },
      // A literal the scalar refuses fails validation, in Apollo's words.
      { query: '{ when(at: "1800-01-01T00:00:00Z") }', code: 'GRAPHQL_VALIDATION_FAILED' },
    ];
    for (const { code, ...body } of cases) {
      const r = await post(JSON.stringify(body));
      expect(r.json?.errors?.[0].extensions?.code).toBe(code);
    }
    const two = await post(JSON.stringify({ query: 'query A { echo(text: "a") } query B { echo(text: "b") }' }));
    expect(two.status).toBe(400);
    expect(two.json?.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(two.json?.errors?.[0].message).toMatch(/operationName/);
  });
});
