import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * What one operation may ask for. The gateway and every subgraph apply the same
 * limits (a subgraph allows `SUBGRAPH_DEPTH_ALLOWANCE` more levels, for the
 * `_entities` wrapper that the query planner adds).
 */
export interface OperationLimits {
  /** Nested selections (a field with fields of its own is a level), fragments followed. */
  maxDepth: number;
  /** Aliased fields, counted each time a fragment is spread. */
  maxAliases: number;
  /** Fields at the root of the operation. */
  maxRootFields: number;
  /** Every field the operation selects once its fragments are expanded: its cost. */
  maxFields: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxFields: 1000 };

/** A subgraph's depth limit is the gateway's plus this (`_entities { ... on T { } }`). */
export const SUBGRAPH_DEPTH_ALLOWANCE = 2;

/** Tokens a document may have before the parser gives up (graphql-js `maxTokens`). */
export const MAX_DOCUMENT_TOKENS = 10_000;

/** What a selection set costs, computed once per fragment. */
interface Measure {
  depth: number;
  aliases: number;
  fields: number;
}

// Counts saturate here: a fragment fan-out doubles them at every level.
const CAP = 1e12;
const ZERO: Measure = { depth: 0, aliases: 0, fields: 0 };

/**
 * Measures every operation of a document in time linear in its size: each fragment is
 * measured once and its measure reused wherever it is spread, so a document whose
 * fragments spread each other twice (20 levels: a million fields) costs no more than
 * its text. A fragment cycle measures as empty (GraphQL's own rule reports it).
 */
export function measureOperations(document: DocumentNode): Map<OperationDefinitionNode, Measure & { rootFields: number }> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const done = new Map<string, Measure>();
  const inProgress = new Set<string>();

  const fragment = (name: string): Measure => {
    const known = done.get(name);
    if (known) return known;
    const def = fragments.get(name);
    if (!def || inProgress.has(name)) return ZERO;
    inProgress.add(name);
    const m = selectionSet(def.selectionSet);
    inProgress.delete(name);
    done.set(name, m);
    return m;
  };

  const selectionSet = (set: SelectionSetNode): Measure => {
    let depth = 0;
    let aliases = 0;
    let fields = 0;
    for (const sel of set.selections) {
      let m: Measure;
      if (sel.kind === Kind.FIELD) {
        const child = sel.selectionSet ? selectionSet(sel.selectionSet) : ZERO;
        // A level is a field with a selection of its own. Introspection's `ofType`
        // unwraps a type's list and non-null wrappers, one object each, bounded by the
        // schema: the standard introspection query nests it seven times.
        const level = sel.selectionSet && sel.name.value !== 'ofType' ? 1 : 0;
        m = { depth: child.depth + level, aliases: child.aliases + (sel.alias ? 1 : 0), fields: child.fields + 1 };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        m = selectionSet(sel.selectionSet);
      } else {
        m = fragment(sel.name.value);
      }
      depth = Math.max(depth, m.depth);
      aliases = Math.min(CAP, aliases + m.aliases);
      fields = Math.min(CAP, fields + m.fields);
    }
    return { depth, aliases, fields };
  };

  const out = new Map<OperationDefinitionNode, Measure & { rootFields: number }>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    out.set(def, { ...selectionSet(def.selectionSet), rootFields: def.selectionSet.selections.length });
  }
  return out;
}

/** What is wrong with an operation's measure, as messages; empty when it is within the limits. */
export function limitViolations(m: Measure & { rootFields: number }, limits: OperationLimits): string[] {
  const out: string[] = [];
  if (m.depth > limits.maxDepth) out.push(`The operation is ${m.depth} levels deep; the limit is ${limits.maxDepth}.`);
  if (m.aliases > limits.maxAliases) out.push(`The operation uses ${fmt(m.aliases)} aliases; the limit is ${limits.maxAliases}.`);
  if (m.rootFields > limits.maxRootFields) out.push(`The operation asks for ${m.rootFields} root fields; the limit is ${limits.maxRootFields}.`);
  if (m.fields > limits.maxFields) out.push(`The operation selects ${fmt(m.fields)} fields once its fragments are expanded; the limit is ${limits.maxFields}.`);
  return out;
}

function fmt(n: number): string {
  return n >= CAP ? `more than ${CAP}` : String(n);
}

/**
 * A validation rule that refuses operations beyond the limits with BAD_USER_INPUT,
 * before anything is planned or executed. Linear in the document.
 */
export function operationLimitsRule(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const measures = measureOperations(context.getDocument());
    return {
      OperationDefinition(node) {
        const m = measures.get(node);
        if (!m) return;
        for (const message of limitViolations(m, limits)) {
          context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
        }
      },
    };
  };
}
