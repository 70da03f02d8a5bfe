import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GraphQLError, Kind, parse, visit, type DocumentNode } from 'graphql';
import { DEFAULT_OPERATION_LIMITS, MAX_DOCUMENT_TOKENS, limitViolations, measureOperations, type OperationLimits } from './limits';

/**
 * The longest string any input may carry, in UTF-16 code units, checked before
 * anything parses, segments, matches or stores it. Each field has its own, smaller
 * limit on top (a reaction is a few code points, a chat message 500 characters).
 */
export const MAX_STRING_LENGTH = 10_000;

// C0 and C1 control characters other than tab, line feed and carriage return, and DEL.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be input, or null when it can. Never echoes the string. */
export function textProblem(value: string, max = MAX_STRING_LENGTH): string | null {
  if (value.length > max) return `is longer than ${max} characters`;
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired surrogate (invalid Unicode)';
  if (CONTROL.test(value)) return 'contains a control character';
  return null;
}

function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}), http: { status: 400 } } });
}

/** Checks every string in a JSON value (variables), depth-first; throws BAD_USER_INPUT naming the path. */
export function checkVariables(variables: unknown): void {
  if (variables === null || variables === undefined) return;
  if (typeof variables !== 'object' || Array.isArray(variables)) throw badInput('Variables must be a JSON object.');
  const stack: Array<[unknown, string]> = Object.entries(variables as Record<string, unknown>).map(([k, v]) => [v, k]);
  let visited = 0;
  while (stack.length) {
    const [value, path] = stack.pop() as [unknown, string];
    if (++visited > 100_000) throw badInput('The variables hold too many values.');
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) throw badInput(`The variable at "${shortPath(path)}" ${problem}.`, shortPath(path));
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push([value[i], `${path}.${i}`]);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push([v, `${path}.${k}`]);
    }
  }
}

function shortPath(path: string): string {
  return path.length > 120 ? `${path.slice(0, 117)}...` : path;
}

/** Literal strings of a document (arguments written inline), checked like variables. */
export function checkLiterals(document: DocumentNode): void {
  visit(document, {
    StringValue(node) {
      const problem = textProblem(node.value);
      if (problem) throw badInput(`A string in the operation ${problem}.`);
    },
  });
}

/** Measures a document against the limits; throws BAD_USER_INPUT with every violation. */
export function checkLimits(document: DocumentNode, limits: OperationLimits): void {
  for (const [op, measure] of measureOperations(document)) {
    const problems = limitViolations(measure, limits);
    if (problems.length) {
      throw new GraphQLError(problems.join(' '), {
        nodes: [op],
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
  }
}

export interface InputGuardOptions {
  limits?: OperationLimits;
  maxTokens?: number;
}

interface GraphQLBody {
  query?: unknown;
  variables?: unknown;
}

/**
 * Express middleware, in front of Apollo Server, that refuses before GraphQL's own
 * validation (some of whose rules cost the square of the document) and before any
 * planning or execution: documents beyond the operation limits (depth, aliases, root
 * fields, fields once fragments are expanded: measured in linear time), and strings
 * (inline or in variables) that are too long, hold control characters or are not
 * well-formed Unicode. A document's verdict is remembered by its hash, so a known
 * operation costs one walk of its variables. Refusals are HTTP 400 with BAD_USER_INPUT.
 */
export function inputGuard(options: InputGuardOptions = {}): RequestHandler {
  const limits = options.limits ?? DEFAULT_OPERATION_LIMITS;
  const maxTokens = options.maxTokens ?? MAX_DOCUMENT_TOKENS;
  const accepted = new Set<string>();
  const ACCEPTED_MAX = 5_000;
  const check = (body: GraphQLBody): void => {
    checkVariables(body.variables);
    if (typeof body.query !== 'string') return; // a persisted query's hash, or Apollo's own 400
    const key = createHash('sha256').update(body.query).digest('base64url');
    if (accepted.has(key)) return;
    let document: DocumentNode;
    try {
      document = parse(body.query, { maxTokens });
    } catch {
      return; // Apollo Server parses it again and answers GRAPHQL_PARSE_FAILED
    }
    checkLimits(document, limits);
    checkLiterals(document);
    if (accepted.size >= ACCEPTED_MAX) accepted.clear();
    accepted.add(key);
  };
  return (req, res, next) => {
    try {
      if (req.method === 'GET') {
        const q = req.query as Record<string, unknown>;
        let variables: unknown = undefined;
        if (typeof q.variables === 'string') {
          try {
            variables = JSON.parse(q.variables);
          } catch {
            variables = undefined; // Apollo Server answers that one
          }
        }
        check({ query: q.query, variables });
      } else {
        const body = req.body as unknown;
        for (const one of Array.isArray(body) ? body : [body]) {
          if (one && typeof one === 'object') check(one as GraphQLBody);
        }
      }
    } catch (e) {
      const err = e instanceof GraphQLError ? e : badInput('The request could not be read.');
      res.status(400).json({ errors: [{ message: err.message, extensions: { code: 'BAD_USER_INPUT', ...(typeof err.extensions.field === 'string' ? { field: err.extensions.field } : {}) } }] });
      return;
    }
    next();
  };
}

/** Whether a document asks only for `_service { sdl }` (what composition tools fetch). */
export function isServiceSdlQuery(query: unknown): boolean {
  if (typeof query !== 'string' || query.length > 300) return false;
  let doc: DocumentNode;
  try {
    doc = parse(query, { maxTokens: 50 });
  } catch {
    return false;
  }
  return doc.definitions.every(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.operation === 'query' &&
      d.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '_service') &&
      d.selectionSet.selections.every((s) => s.kind === Kind.FIELD && (s.name.value === '_service' || s.name.value === '__typename')),
  );
}
