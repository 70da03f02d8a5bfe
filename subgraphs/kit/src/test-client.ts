/**
 * The one GraphQL client of the tests: a request to a gateway or a subgraph, as a
 * bearer token's holder, with an API key or with any headers, and the reply with its
 * HTTP status; plus signing up and in, as a fan does.
 */
import { uniqueName } from './testing';

/** Replies are read loosely in tests; each assertion states the shape it expects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = Record<string, any>;

export interface GqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export interface GqlReply<T = Loose> {
  /** The HTTP status. */
  status: number;
  data?: T | null;
  errors?: GqlError[];
  extensions?: Record<string, unknown>;
}

/** Who is asking: a bearer token (a string is one), headers (an API key, a signed caller), or both. */
export type GqlAuth = string | { token?: string; headers?: Record<string, string> };

function headersOf(auth: GqlAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if (typeof auth === 'string') return { authorization: `Bearer ${auth}` };
  return { ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}), ...auth.headers };
}

/** POSTs one GraphQL request; fails with the status and the start of the body when the reply is not JSON. */
export async function gql<T = Loose>(url: string, query: string, variables: Record<string, unknown> = {}, auth?: GqlAuth): Promise<GqlReply<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headersOf(auth) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: Omit<GqlReply<T>, 'status'>;
  try {
    body = JSON.parse(text) as Omit<GqlReply<T>, 'status'>;
  } catch {
    throw new Error(`${url} answered ${res.status} with no JSON: ${text.slice(0, 200)}`);
  }
  return { ...body, status: res.status };
}

/** The first error's `extensions.code`. */
export function codeOf(reply: { errors?: GqlError[] }): string | undefined {
  return reply.errors?.[0]?.extensions?.code;
}

/** The data, or a failure naming the errors. */
export function dataOf<T>(reply: { status?: number; data?: T | null; errors?: GqlError[] }): T {
  if (reply.errors?.length || !reply.data) throw new Error(`unexpected errors (HTTP ${reply.status ?? '?'}): ${JSON.stringify(reply.errors)}`);
  return reply.data;
}

/** What signUp, signIn and the other sign-in mutations answer (AuthPayload). */
export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  user: { id: string; email: string; displayName: string; roles: string[] };
}

/** A session of a new account, and the account's password. */
export interface Account extends Session {
  password: string;
}

export const SESSION_FIELDS = 'accessToken refreshToken expiresAt user { id email displayName roles }';
export const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${SESSION_FIELDS} } }`;
export const SIGN_IN = `mutation SignIn($input: SignInInput!) { signIn(input: $input) { ${SESSION_FIELDS} } }`;
export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * Signs up a new account called `name` (its display name) with a unique email;
 * `auth` carries what the request needs besides (a subgraph wants the gateway's signed header).
 */
export async function signUp(
  url: string,
  name = 'fan',
  opts: { email?: string; password?: string; auth?: GqlAuth } = {},
): Promise<Account> {
  const email = opts.email ?? `${uniqueName(name.toLowerCase().replace(/[^a-z0-9]+/g, '') || 'fan')}@example.com`;
  const password = opts.password ?? TEST_PASSWORD;
  const reply = await gql<{ signUp: Session }>(url, SIGN_UP, { input: { email, password, displayName: name } }, opts.auth);
  if (!reply.data?.signUp) throw new Error(`signUp failed (HTTP ${reply.status}): ${JSON.stringify(reply.errors)}`);
  return { ...reply.data.signUp, password };
}

export async function signIn(url: string, email: string, password: string, auth?: GqlAuth): Promise<Session> {
  const reply = await gql<{ signIn: Session }>(url, SIGN_IN, { input: { email, password } }, auth);
  if (!reply.data?.signIn) throw new Error(`signIn failed (HTTP ${reply.status}): ${JSON.stringify(reply.errors)}`);
  return reply.data.signIn;
}
