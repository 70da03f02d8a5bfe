import { createMethodMiddlewareDecorator, getMetadataStorage } from 'type-graphql';
import type { DeliveryMode } from './delivery';
import { ForbiddenError } from './errors';
import { hasRole, requirePrincipal, type Principal, type RoleName } from './principal';

/** A resolver class, as type-graphql's metadata names it. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ResolverClass = Function;

/**
 * The one vocabulary of API-key scopes (docs/scopes.md). A key acts with the
 * intersection of its owner's roles (never ADMIN) and its scopes: an operation that a
 * key may call names the scope it needs, and a key without it is refused whatever
 * its owner's roles.
 */
export const SCOPES = {
  'profile:read': '`me`, `user(id)` and the owner\'s own email',
  'media:read': 'reserved for reading ingest state with a key (admins; keys never carry ADMIN)',
  'media:write': 'start and stop ingest (admins)',
  'events:write': 'create and change venues, events, feeds and moments (admins)',
  'commerce:read': 'all orders and finance exports (admins)',
  'commerce:write': 'products and refunds (admins)',
  'moderation:read': 'the moderation queue (moderators)',
  'moderation:write': 'dismiss reported messages (moderators)',
  'creative:write': 'sponsors: upload and manage creatives',
  'reports:read': 'sponsors: impression reports',
  'telemetry:write': 'record QoS and impression telemetry',
} as const;

export type Scope = keyof typeof SCOPES;

export function isScope(value: string): value is Scope {
  return Object.prototype.hasOwnProperty.call(SCOPES, value);
}

/**
 * Who may call an operation or read a field.
 * - `public`: anyone, anonymous callers and every API key included.
 * - otherwise a caller is needed (anonymous: UNAUTHENTICATED) unless `anonymous` says
 *   an anonymous caller gets the operation's anonymous answer (null, say);
 * - `usersOnly`: a signed-in person, never an API key;
 * - `scope`: what an API key must carry (checked before roles, so a key without it is
 *   told about the scope);
 * - `roles`: one of them (ADMIN always passes).
 * Resolvers still check ownership (another fan's order) themselves.
 */
export type AccessRule =
  | { public: true }
  | { scope?: Scope; usersOnly?: boolean; roles?: RoleName[]; anonymous?: boolean };

/** Throws UNAUTHENTICATED or FORBIDDEN when the principal may not pass the rule. */
export function enforceAccess(rule: AccessRule, principal: Principal | null | undefined): void {
  if ('public' in rule) return;
  if (!principal) {
    if (rule.anonymous) return;
    requirePrincipal(principal);
    return;
  }
  if (principal.kind === 'apiKey') {
    if (rule.usersOnly) throw new ForbiddenError('This operation needs a signed-in user, not an API key.');
    if (!rule.scope) throw new ForbiddenError('API keys cannot call this operation.');
    if (!principal.scopes.includes(rule.scope)) throw new ForbiddenError(`This API key lacks the scope "${rule.scope}".`);
  }
  if (rule.roles?.length && !hasRole(principal, 'ADMIN', ...rule.roles)) {
    throw new ForbiddenError(`This operation needs the role ${rule.roles.join(' or ')}.`);
  }
}

const RULES = new WeakMap<object, Map<string, AccessRule>>();

function ruleOf(target: ResolverClass, method: string): AccessRule | undefined {
  // Rules are declared on resolver classes; a subclass inherits its parent's.
  for (let t: unknown = target; typeof t === 'function' && t !== Function.prototype; t = Object.getPrototypeOf(t)) {
    const rule = RULES.get(t as object)?.get(method);
    if (rule) return rule;
  }
  return undefined;
}

/**
 * Declares who may call a query, mutation or field resolver, next to it, and enforces
 * it before the resolver (and before its arguments are validated). A subscription's
 * rule is enforced where it subscribes: call `enforceAccess(rule, principal)` there
 * with the same rule object.
 */
export function Access(rule: AccessRule): MethodDecorator {
  const middleware = createMethodMiddlewareDecorator<{ principal?: Principal | null; delivery?: DeliveryMode }>(async ({ context, info }, next) => {
    // The events of a shared stream go to subscribers each admitted under this rule by
    // a stream of their own (delivery.ts); the stream itself is the gateway's.
    if (context.delivery === 'shared' && info.operation.operation === 'subscription') return next();
    enforceAccess(rule, context.principal);
    return next();
  });
  return (target, key, descriptor) => {
    const ctor = (target as { constructor: ResolverClass }).constructor;
    let rules = RULES.get(ctor);
    if (!rules) RULES.set(ctor, (rules = new Map()));
    rules.set(String(key), rule);
    return middleware(target, key, descriptor);
  };
}

/** Every operation's rule, by `Query.events`, `Mutation.checkout`...: what docs/scopes.md tabulates. */
const OPERATION_RULES = new Map<string, { subgraph: string; rule: AccessRule }>();

export function operationAccessRules(): ReadonlyMap<string, { subgraph: string; rule: AccessRule }> {
  return OPERATION_RULES;
}

/**
 * Finds the rule of every query, mutation and subscription of the given resolver
 * classes, and fails when one has none: an operation nobody decided about is a bug.
 */
export function collectAccessRules(subgraph: string, resolvers: readonly ResolverClass[]): Map<string, AccessRule> {
  const storage = getMetadataStorage();
  const classes = new Set(resolvers);
  const out = new Map<string, AccessRule>();
  const missing: string[] = [];
  const kinds = [
    ['Query', storage.queries],
    ['Mutation', storage.mutations],
    ['Subscription', storage.subscriptions],
  ] as const;
  for (const [kind, list] of kinds) {
    for (const m of list) {
      if (![...classes].some((c) => c === m.target || c.prototype instanceof m.target)) continue;
      const owner = [...classes].find((c) => c === m.target || c.prototype instanceof m.target) ?? m.target;
      const rule = ruleOf(owner, m.methodName);
      const name = `${kind}.${m.schemaName}`;
      if (!rule) missing.push(name);
      else out.set(name, rule);
    }
  }
  if (missing.length) {
    throw new Error(`${subgraph}: every operation declares who may call it with @Access(...); missing on ${missing.join(', ')}`);
  }
  for (const [name, rule] of out) OPERATION_RULES.set(name, { subgraph, rule });
  return out;
}

/** How a rule reads in docs/scopes.md. */
export function describeRule(rule: AccessRule): { who: string; scope: string } {
  if ('public' in rule) return { who: 'anyone', scope: '—' };
  const roles = rule.roles ?? [];
  const people = roles.length === 0 ? 'signed-in users' : roles.includes('ADMIN') ? 'admins' : `${roles.map((r) => `${r.toLowerCase()}s`).join(' or ')} and admins`;
  const keys = rule.usersOnly || !rule.scope ? 'no API keys' : roles.includes('ADMIN') ? 'no API keys in practice: keys never carry ADMIN' : 'API keys with the scope';
  const who = `${rule.anonymous ? 'anyone (anonymous callers get the anonymous answer); ' : ''}${people}; ${keys}`;
  return { who, scope: rule.usersOnly || !rule.scope ? '—' : `\`${rule.scope}\`` };
}

/**
 * docs/scopes.md, from the rules the subgraphs declare: `npm run compose` writes it and
 * a test fails when the committed file differs, so the table cannot drift from the code.
 */
export function renderScopesDoc(): string {
  const lines = [
    '# API-key scopes and who may call what',
    '',
    '<!-- Written by `npm run compose` from the `@Access` rules next to each resolver; do not edit by hand. -->',
    '',
    'A signed-in person (`Authorization: Bearer <access token>`) acts with their roles. An API key',
    '(`x-api-key`) acts for its owner with the **intersection** of the owner\'s roles (never `ADMIN`:',
    'administration needs a person) and the key\'s scopes: an operation a key may call names the one',
    'scope it needs, and a key without that scope gets `FORBIDDEN` ("This API key lacks the scope ...")',
    'whatever its owner\'s roles. `createApiKey` accepts only the scopes below.',
    '',
    '## Scopes',
    '',
    '| scope | grants |',
    '| --- | --- |',
    ...Object.entries(SCOPES).map(([scope, grants]) => `| \`${scope}\` | ${grants} |`),
    '',
    '## Operations',
    '',
    '| operation | subgraph | who may call it | scope an API key needs |',
    '| --- | --- | --- | --- |',
    ...[...OPERATION_RULES.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { subgraph, rule }]) => {
        const d = describeRule(rule);
        return `| \`${name}\` | ${subgraph} | ${d.who} | ${d.scope} |`;
      }),
    '',
  ];
  return lines.join('\n');
}
