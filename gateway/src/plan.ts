import type { FetchNode, PlanNode, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';

/**
 * Runs the part of a query plan that comes after a subscription's event arrives (the
 * query planner's `rest`): entity fetches that add the fields other subgraphs own to
 * the event's data, in place. @apollo/gateway executes plans for queries only, so the
 * subscription layer has this small executor of its own: Sequence, Parallel, Flatten,
 * Fetch and Condition nodes (what the planner produces for FrontRow's schema); a node
 * it does not know is refused when the subscription starts, not when an event comes.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface FetchRequest {
  serviceName: string;
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
}

export interface FetchReply {
  data?: JsonObject | null;
  errors?: Array<{ message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }>;
}

export interface PlanContext {
  variables: Record<string, unknown>;
  fetch(request: FetchRequest): Promise<FetchReply>;
  errors: GraphQLError[];
}

/** Why a plan cannot run here, or null when it can. */
export function unsupportedIn(node: PlanNode | undefined): string | null {
  if (!node) return null;
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      for (const n of node.nodes) {
        const why = unsupportedIn(n);
        if (why) return why;
      }
      return null;
    case 'Flatten':
      return node.node.kind === 'Fetch' ? unsupportedFetch(node.node) : unsupportedIn(node.node);
    case 'Fetch':
      return unsupportedFetch(node);
    case 'Condition':
      return unsupportedIn(node.ifClause) ?? unsupportedIn(node.elseClause);
    default:
      return `a ${node.kind} node`;
  }
}

function unsupportedFetch(node: FetchNode): string | null {
  if (node.inputRewrites?.length || node.outputRewrites?.length || node.contextRewrites?.length) return 'a fetch with data rewrites';
  return null;
}

export async function executePlan(node: PlanNode, data: JsonObject, ctx: PlanContext): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const n of node.nodes) await executePlan(n, data, ctx);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((n) => executePlan(n, data, ctx)));
      return;
    case 'Condition': {
      const branch = ctx.variables[node.condition] ? node.ifClause : node.elseClause;
      if (branch) await executePlan(branch, data, ctx);
      return;
    }
    case 'Flatten': {
      const targets: JsonObject[] = [];
      collect(data, node.path, 0, targets);
      if (node.node.kind !== 'Fetch') throw new Error('Flatten over a non-fetch node');
      await fetchInto(node.node, targets, ctx);
      return;
    }
    case 'Fetch':
      await fetchInto(node, [data], ctx);
      return;
    default:
      throw new Error(`cannot execute a ${node.kind} node`);
  }
}

/** The objects a Flatten path reaches: field names step in, '@' steps into every item of a list. */
function collect(value: Json | undefined, path: ResponsePath, i: number, out: JsonObject[]): void {
  if (value === null || value === undefined) return;
  if (i === path.length) {
    if (Array.isArray(value)) for (const v of value) collect(v, path, i, out);
    else if (typeof value === 'object') out.push(value);
    return;
  }
  const step = path[i];
  if (step === '@') {
    if (Array.isArray(value)) for (const v of value) collect(v, path, i + 1, out);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, path, i, out);
    return;
  }
  if (typeof value === 'object') collect((value as JsonObject)[String(step)], path, i + 1, out);
}

async function fetchInto(node: FetchNode, targets: JsonObject[], ctx: PlanContext): Promise<void> {
  const variables: Record<string, unknown> = {};
  for (const name of node.variableUsages ?? []) if (name in ctx.variables) variables[name] = ctx.variables[name];
  if (!node.requires) {
    const reply = await ctx.fetch({ serviceName: node.serviceName, query: node.operation, operationName: node.operationName, variables });
    addErrors(ctx, node.serviceName, reply);
    for (const t of targets) if (reply.data) merge(t, reply.data);
    return;
  }
  // Entities: one representation per object the plan needs completed.
  const owners: JsonObject[] = [];
  const representations: JsonObject[] = [];
  for (const t of targets) {
    const rep = select(t, node.requires);
    if (rep && typeof rep.__typename === 'string') {
      owners.push(t);
      representations.push(rep);
    }
  }
  if (!representations.length) return;
  const reply = await ctx.fetch({ serviceName: node.serviceName, query: node.operation, operationName: node.operationName, variables: { ...variables, representations } });
  addErrors(ctx, node.serviceName, reply);
  const entities = reply.data?._entities;
  if (!Array.isArray(entities)) return;
  entities.forEach((entity, i) => {
    if (entity && typeof entity === 'object' && !Array.isArray(entity) && owners[i]) merge(owners[i], entity);
  });
}

/** The representation of an object: what the `requires` selection picks of it. */
function select(obj: JsonObject, selections: readonly QueryPlanSelectionNode[]): JsonObject | null {
  const out: JsonObject = {};
  let matched = false;
  for (const sel of selections) {
    if (sel.kind === 'InlineFragment') {
      if (sel.typeCondition && obj.__typename !== sel.typeCondition) continue;
      const inner = select(obj, sel.selections);
      if (inner) {
        Object.assign(out, inner);
        matched = true;
      }
      continue;
    }
    const value = obj[sel.alias ?? sel.name];
    if (value === undefined) return null;
    matched = true;
    if (!sel.selections || value === null) out[sel.name] = value;
    else if (Array.isArray(value)) out[sel.name] = value.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? select(v, sel.selections!) : v));
    else if (typeof value === 'object') out[sel.name] = select(value, sel.selections);
    else out[sel.name] = value;
  }
  return matched ? out : null;
}

function merge(target: JsonObject, source: JsonObject): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (cur && v && typeof cur === 'object' && typeof v === 'object') {
      if (Array.isArray(cur) && Array.isArray(v)) {
        v.forEach((item, i) => {
          const c = cur[i];
          if (c && item && typeof c === 'object' && typeof item === 'object' && !Array.isArray(c) && !Array.isArray(item)) merge(c, item);
          else cur[i] = item;
        });
      } else if (!Array.isArray(cur) && !Array.isArray(v)) {
        merge(cur, v);
      } else {
        target[k] = v;
      }
    } else if (v !== undefined) {
      target[k] = v;
    }
  }
}

function addErrors(ctx: PlanContext, serviceName: string, reply: FetchReply): void {
  for (const e of reply.errors ?? []) {
    ctx.errors.push(new GraphQLError(e.message, { extensions: { ...e.extensions, serviceName } }));
  }
}
