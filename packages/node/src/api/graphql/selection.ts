import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  Kind,
  type SelectionSetNode,
} from "graphql";

export interface SelectedField {
  /** Response key: the alias, or the field name. */
  key: string;
  name: string;
  args: Record<string, unknown>;
  node: FieldNode;
}

/**
 * The fields selected on `type` (fragments flattened, @skip/@include applied, arguments with
 * variables resolved): what a list resolver needs to answer every field in one SQL query.
 */
export function selectedFields(
  selectionSet: SelectionSetNode | undefined,
  type: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  out: SelectedField[] = [],
): SelectedField[] {
  if (!selectionSet) return out;
  const fields = type.getFields();
  for (const selection of selectionSet.selections) {
    if (!included(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const def = fields[selection.name.value];
      if (!def) continue; // __typename and the like
      out.push({
        key: selection.alias?.value ?? selection.name.value,
        name: selection.name.value,
        args: getArgumentValues(def, selection, variables),
        node: selection,
      });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      selectedFields(selection.selectionSet, type, fragments, variables, out);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment) selectedFields(fragment.selectionSet, type, fragments, variables, out);
    }
  }
  return out;
}

function included(
  node: Parameters<typeof getDirectiveValues>[1],
  variables: Record<string, unknown>,
): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
  return include?.if !== false;
}
