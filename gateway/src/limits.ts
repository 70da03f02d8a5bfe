import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20 };

/**
 * Refuses operations deeper, wider or more aliased than the limits, before any
 * subgraph is asked (fragments are followed; a fragment cycle is GraphQL's own error).
 */
export function operationLimitsRule(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const measure = (set: SelectionSetNode, depth: number, seen: Set<string>, counts: { aliases: number }): number => {
      let max = depth;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.alias) counts.aliases++;
          if (sel.selectionSet) max = Math.max(max, measure(sel.selectionSet, depth + 1, seen, counts));
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, measure(sel.selectionSet, depth, seen, counts));
        } else {
          const name = sel.name.value;
          const frag = fragments.get(name);
          if (frag && !seen.has(name)) {
            max = Math.max(max, measure(frag.selectionSet, depth, new Set([...seen, name]), counts));
          }
        }
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const counts = { aliases: 0 };
        const depth = measure(node.selectionSet, 0, new Set(), counts);
        const fail = (message: string) =>
          context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
        if (depth > limits.maxDepth) fail(`The operation is ${depth} levels deep; the limit is ${limits.maxDepth}.`);
        if (counts.aliases > limits.maxAliases) fail(`The operation uses ${counts.aliases} aliases; the limit is ${limits.maxAliases}.`);
        if (node.selectionSet.selections.length > limits.maxRootFields) {
          fail(`The operation asks for ${node.selectionSet.selections.length} root fields; the limit is ${limits.maxRootFields}.`);
        }
      },
    };
  };
}
