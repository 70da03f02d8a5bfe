import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * What an operation may cost, beside the depth, alias and field limits that refuse a
 * document before validation (kit `limits.ts`): each field costs 1, and what a list
 * returns costs its selection once per item it may hold. A field with `first`, `last` or
 * `limit` holds that many (the variable's value, the literal, or the operation's default),
 * and `defaultListSize` when the argument is left out; a connection's `edges` and `nodes`
 * are already counted by their parent's; any other list counts `defaultListSize` items. The first-party clients' operations stay far below the limit
 * (a test computes every one); a query that multiplies lists inside lists does not.
 */
export interface CostSettings {
  maxCost: number;
  /** Items assumed for a list whose size no argument gives. */
  defaultListSize: number;
}

export const DEFAULT_COST_SETTINGS: CostSettings = { maxCost: 20_000, defaultListSize: 10 };

/** A multiplier never exceeds this, whatever an argument says (paging stops far below). */
const MAX_MULTIPLIER = 1_000;
const SIZE_ARGUMENTS = new Set(['first', 'last', 'limit']);
const CAP = 1e12;

/** The cost of one operation of the document, for these variables. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  settings: CostSettings = DEFAULT_COST_SETTINGS,
): number {
  // An operation's own defaults count where the request gives no value.
  const given = variables;
  variables = { ...given };
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (!(name in variables) && def.defaultValue) variables[name] = valueOf(def.defaultValue, given);
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();

  const size = (field: FieldNode): number | undefined => {
    for (const arg of field.arguments ?? []) {
      if (!SIZE_ARGUMENTS.has(arg.name.value)) continue;
      const value = valueOf(arg.value, variables);
      if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.min(MAX_MULTIPLIER, Math.floor(value)));
    }
    return undefined;
  };

  const selectionSet = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        total += field(sel, parent);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += isCompositeType(type) ? selectionSet(sel.selectionSet, type) : 0;
      } else {
        total += fragment(sel.name.value);
      }
      if (total >= CAP) return CAP;
    }
    return total;
  };

  const fragment = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const def = fragments.get(name);
    if (!def || visiting.has(name)) return 0; // validation reports unknown fragments and cycles
    const type = schema.getType(def.typeCondition.name.value);
    if (!isCompositeType(type)) return 0;
    visiting.add(name);
    const cost = selectionSet(def.selectionSet, type);
    visiting.delete(name);
    memo.set(name, cost);
    return cost;
  };

  const field = (node: FieldNode, parent: GraphQLCompositeType): number => {
    if (!node.selectionSet) return 1;
    const definition = 'getFields' in parent ? parent.getFields()[node.name.value] : undefined;
    if (!definition) return 1; // validation reports it
    const named = getNamedType(definition.type);
    const children = isCompositeType(named) ? selectionSet(node.selectionSet, named) : 0;
    const given = size(node);
    const pages = definition.args.some((a) => SIZE_ARGUMENTS.has(a.name));
    let multiplier = 1;
    if (given !== undefined) multiplier = given;
    // A page whose size is left to the server, or a list with no size at all.
    else if (pages || (isListType(getNullableType(definition.type)) && node.name.value !== 'edges' && node.name.value !== 'nodes')) multiplier = settings.defaultListSize;
    return Math.min(CAP, 1 + multiplier * children);
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return root ? selectionSet(operation.selectionSet, root) : 0;
}

function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
  return undefined;
}

/** Refuses, after validation and before planning, an operation that costs more than the limit (BAD_USER_INPUT, HTTP 400). */
export function costLimit<C extends object>(settings: CostSettings): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const cost = operationCost(schema, document, operation, request.variables ?? {}, settings);
          if (cost > settings.maxCost) {
            throw new GraphQLError(`The operation costs ${cost >= CAP ? `more than ${CAP}` : cost}; the limit is ${settings.maxCost}. Ask for fewer items per list (first), or for fewer nested lists.`, {
              extensions: { code: 'BAD_USER_INPUT', cost: Math.min(cost, CAP), maxCost: settings.maxCost, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
