/**
 * What a clean answer is, for the hostile-input corpus and the fuzzer: an HTTP status
 * below 500, JSON, every error with a code of the contract (INTERNAL_SERVER_ERROR only
 * with a `reason`), and no stack trace, file path or SQL in any error.
 */

export const CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
]);
export const STACK = /\n\s+at |\bat [\w.<>$]+ \(|\.(ts|js|mjs):\d+|node_modules|\/src\//;
export const SQL = /syntax error at or near|violates [\w -]*constraint|relation "[^"]*"|column "[^"]*"|duplicate key value|SQLSTATE|invalid input syntax for|invalid byte sequence|out of range for type|DriverException|knex|MikroORM/i;

/**
 * What is wrong with an answer, or null when it is clean. `tally` counts the answers by
 * the first error's code ('data' without errors).
 */
export function fault(status: number, text: string, tally?: Map<string, number>): string | null {
  if (status >= 500) return `HTTP ${status}`;
  let body: { data?: unknown; errors?: Array<{ message?: unknown; extensions?: { code?: unknown; reason?: unknown } }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `not JSON: ${text.slice(0, 120)}`;
  }
  const first = body.errors?.[0]?.extensions?.code;
  const outcome = typeof first === 'string' ? first : 'data';
  tally?.set(outcome, (tally.get(outcome) ?? 0) + 1);
  if (!body.errors?.length) return body.data === undefined ? 'neither data nor errors' : null;
  for (const e of body.errors) {
    const code = e.extensions?.code;
    // A failure past every check names its reason (MEDIA_UNAVAILABLE: no Janus runs here); one without is a crash.
    if (!(typeof code === 'string' && (CODES.has(code) || (code === 'INTERNAL_SERVER_ERROR' && typeof e.extensions?.reason === 'string')))) {
      return `code ${String(code)}: ${String(e.message).slice(0, 160)}`;
    }
  }
  const errors = JSON.stringify(body.errors);
  if (STACK.test(errors)) return `a stack trace or path: ${errors.slice(0, 200)}`;
  if (SQL.test(errors)) return `SQL: ${errors.slice(0, 200)}`;
  return null;
}
