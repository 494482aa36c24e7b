/**
 * Authorization declared in the SDL, next to the fields it guards, and enforced by the subgraph that owns
 * the data:
 *
 *   directive @requiresRole(roles: [String!]!) on FIELD_DEFINITION
 *   createProduct(input: CreateProductInput!): Product! @requiresRole(roles: ["PHARMACIST", "ADMIN"])
 *
 * The caller must hold one of the roles. (Federation's own @authenticated/@requiresScopes are enforced only
 * by Apollo's commercial router, and @apollo/gateway refuses supergraphs that carry them, so this directive
 * stays in the subgraph.) Rules that depend on the data, such as "a customer reads only their own record",
 * stay in the services.
 */
import {
  defaultFieldResolver,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import { ForbiddenError, UnauthenticatedError } from './errors.ts';
import { isRole, type Role, type Viewer } from './viewer.ts';

const ACCESS_DIRECTIVE = 'requiresRole';

function rolesOf(field: FieldDefinitionNode | undefined | null, where: string): Role[] | undefined {
  const directive = field?.directives?.find((node) => node.name.value === ACCESS_DIRECTIVE);
  if (!directive) return undefined;
  const value = directive.arguments?.find((argument) => argument.name.value === 'roles')?.value;
  const roles =
    value?.kind === Kind.LIST
      ? value.values.map((item) => (item.kind === Kind.STRING ? item.value : ''))
      : [];
  if (roles.length === 0 || !roles.every(isRole))
    throw new Error(`${where}: @${ACCESS_DIRECTIVE} needs a list of roles`);
  return roles;
}

/**
 * The roles a subgraph's SDL requires for `type.field`, for a field another process serves in its name
 * (the router serves the subscription fields). Throws when the field is not there or declares none.
 */
export function rolesDeclaredFor(typeDefs: DocumentNode, type: string, field: string): Role[] {
  const where = `${type}.${field}`;
  const definition = typeDefs.definitions
    .flatMap((node) =>
      (node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      node.name.value === type
        ? (node.fields ?? [])
        : [],
    )
    .find((candidate) => candidate.name.value === field);
  const roles = rolesOf(definition, where);
  if (!roles) throw new Error(`${where} declares no @${ACCESS_DIRECTIVE}`);
  return roles;
}

export function checkRole(roles: readonly Role[], viewer: Viewer | null, field: string): void {
  if (!viewer) throw new UnauthenticatedError();
  if (!roles.includes(viewer.role))
    throw new ForbiddenError(`${field} requires the role ${roles.join(' or ')}`);
}

/** Wraps the resolver of every field that carries @requiresRole with its check. */
export function enforceAccessDirectives<TContext extends { viewer: Viewer | null }>(
  schema: GraphQLSchema,
): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const roles = rolesOf(field.astNode, `${type.name}.${field.name}`);
      if (!roles) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: TContext, info) => {
        checkRole(roles, context.viewer, field.name);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
