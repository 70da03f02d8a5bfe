import { baseType, isCompositeType, type CompositeType, type Schema } from '@apollo/federation-internals';
import type { PlanNode } from '@apollo/query-planner';
import { CALLER_INDEPENDENT } from '@frontrow/kit';
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * What one event's completion can be shared by (kit delivery.ts):
 *   - 'event': every subscriber (nothing is fetched from other subgraphs);
 *   - 'access': subscribers with the same roles and scopes (every field fetched is
 *     `@callerIndependent`: who asks decides only whether they may);
 *   - 'caller': each caller alone (some field fetched may depend on who asks).
 */
export type CompletionSharing = 'event' | 'access' | 'caller';

/** Whether the subscription's root field is `@callerIndependent` in the supergraph: its events are the same for every admitted subscriber. */
export function sharedRootField(schema: Schema, operation: OperationDefinitionNode): boolean {
  const root = schema.schemaDefinition.rootType('subscription');
  const fields = operation.selectionSet.selections;
  if (!root || fields.length !== 1 || fields[0].kind !== Kind.FIELD) return false;
  return marked(root, fields[0].name.value);
}

/** How the completion of a subscription's events (the plan's `rest`) may be shared. */
export function completionSharing(schema: Schema, rest: PlanNode | undefined): CompletionSharing {
  if (!rest) return 'event';
  return fetchesOnlyCallerIndependent(schema, rest) ? 'access' : 'caller';
}

function fetchesOnlyCallerIndependent(schema: Schema, node: PlanNode): boolean {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every((n) => fetchesOnlyCallerIndependent(schema, n));
    case 'Flatten':
      return fetchesOnlyCallerIndependent(schema, node.node);
    case 'Fetch':
      return fetchIsCallerIndependent(schema, node.operation);
    default:
      // Conditions, deferred parts, anything new: not known to be shareable.
      return false;
  }
}

/** An entity fetch (`_entities(representations:) { ... on T { fields } }`) whose every field is marked. */
function fetchIsCallerIndependent(schema: Schema, operationText: string): boolean {
  const document = parse(operationText);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operation = d;
  }
  if (!operation || operation.operation !== 'query') return false;
  const [entities, ...others] = operation.selectionSet.selections;
  if (others.length || entities?.kind !== Kind.FIELD || entities.name.value !== '_entities' || !entities.selectionSet) return false;
  return selectionsMarked(schema, undefined, entities.selectionSet, fragments);
}

function selectionsMarked(schema: Schema, type: CompositeType | undefined, set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): boolean {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value === '__typename') continue;
      if (!type || !('field' in type)) return false;
      const field = type.field(s.name.value);
      if (!field || !field.appliedDirectivesOf(CALLER_INDEPENDENT).length) return false;
      if (s.selectionSet) {
        const inner = baseType(field.type!);
        if (!isCompositeType(inner) || !selectionsMarked(schema, inner, s.selectionSet, fragments)) return false;
      }
    } else {
      const condition = s.kind === Kind.INLINE_FRAGMENT ? s.typeCondition?.name.value : fragments.get(s.name.value)?.typeCondition.name.value;
      const selectionSet = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : fragments.get(s.name.value)?.selectionSet;
      const inner = condition ? schema.type(condition) : type;
      if (!selectionSet || !inner || !isCompositeType(inner) || !selectionsMarked(schema, inner, selectionSet, fragments)) return false;
    }
  }
  return true;
}

function marked(type: CompositeType, fieldName: string): boolean {
  if (!('field' in type)) return false;
  return !!type.field(fieldName)?.appliedDirectivesOf(CALLER_INDEPENDENT).length;
}
