/** Role checks: `checkRole` itself and the @requiresRole directive wired onto a schema's resolvers. */
import { describe, expect, it } from '@jest/globals';
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { checkRole, enforceAccessDirectives } from './access.ts';
import { ErrorCode, ForbiddenError, UnauthenticatedError } from './errors.ts';
import type { Viewer } from './viewer.ts';

const CUSTOMER: Viewer = { userId: 1, role: 'CUSTOMER' };
const PHARMACIST: Viewer = { userId: 2, role: 'PHARMACIST' };
const ADMIN: Viewer = { userId: 3, role: 'ADMIN' };

/** The error `work` throws (fails when it throws none). */
function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('checkRole', () => {
  it('lets a viewer holding one of the roles through', () => {
    expect(checkRole(['PHARMACIST', 'ADMIN'], PHARMACIST, 'createProduct')).toBeUndefined();
    expect(checkRole(['PHARMACIST', 'ADMIN'], ADMIN, 'createProduct')).toBeUndefined();
    expect(checkRole(['CUSTOMER'], CUSTOMER, 'placeOrder')).toBeUndefined();
  });

  it('refuses an anonymous caller as UNAUTHENTICATED', () => {
    const error = thrown(() => checkRole(['CUSTOMER', 'PHARMACIST', 'ADMIN'], null, 'me'));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
  });

  it('refuses another role as FORBIDDEN, naming the field and the roles it needs', () => {
    const error = thrown(() => checkRole(['PHARMACIST', 'ADMIN'], CUSTOMER, 'createProduct'));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      message: 'createProduct requires the role PHARMACIST or ADMIN',
    });
    expect(thrown(() => checkRole(['ADMIN'], PHARMACIST, 'users'))).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      message: 'users requires the role ADMIN',
    });
  });
});

const DIRECTIVE = 'directive @requiresRole(roles: [String!]!) on FIELD_DEFINITION';

function guardedSchema(): GraphQLSchema {
  return enforceAccessDirectives(
    buildSchema(`
      ${DIRECTIVE}
      type Query {
        open: String
        staffOnly: String @requiresRole(roles: ["PHARMACIST", "ADMIN"])
        adminOnly: Secret @requiresRole(roles: ["ADMIN"])
        computed: String @requiresRole(roles: ["CUSTOMER"])
      }
      type Secret { value: String }
    `),
  );
}

const rootValue = {
  open: 'open',
  staffOnly: 'staff data',
  adminOnly: { value: 'admin data' },
  // A resolver of its own is kept behind the check.
  computed: () => 'computed for a customer',
};

async function run(schema: GraphQLSchema, source: string, viewer: Viewer | null) {
  const result = await graphql({ schema, source, rootValue, contextValue: { viewer } });
  return {
    data: result.data,
    errors: (result.errors ?? []).map((error) => ({
      path: error.path,
      message: error.message,
      type: error.originalError?.constructor.name,
    })),
  };
}

describe('enforceAccessDirectives', () => {
  const schema = guardedSchema();

  it('runs the original resolver for an allowed role', async () => {
    expect(await run(schema, '{ open staffOnly adminOnly { value } }', ADMIN)).toEqual({
      data: { open: 'open', staffOnly: 'staff data', adminOnly: { value: 'admin data' } },
      errors: [],
    });
    expect(await run(schema, '{ computed }', CUSTOMER)).toEqual({
      data: { computed: 'computed for a customer' },
      errors: [],
    });
  });

  it('refuses a guarded field to another role and to an anonymous caller, leaving open fields open', async () => {
    expect(await run(schema, '{ open staffOnly adminOnly { value } }', PHARMACIST)).toEqual({
      data: { open: 'open', staffOnly: 'staff data', adminOnly: null },
      errors: [{ path: ['adminOnly'], message: 'adminOnly requires the role ADMIN', type: 'ForbiddenError' }],
    });
    expect(await run(schema, '{ computed }', ADMIN)).toMatchObject({
      data: { computed: null },
      errors: [{ path: ['computed'], type: 'ForbiddenError' }],
    });
    expect(await run(schema, '{ open staffOnly }', null)).toMatchObject({
      data: { open: 'open', staffOnly: null },
      errors: [{ path: ['staffOnly'], type: 'UnauthenticatedError' }],
    });
  });

  it('refuses a directive without roles or with an unknown role when the schema is built', () => {
    expect(() =>
      enforceAccessDirectives(buildSchema(`${DIRECTIVE} type Query { x: String @requiresRole(roles: []) }`)),
    ).toThrow('Query.x: @requiresRole needs a list of roles');
    expect(() =>
      enforceAccessDirectives(
        buildSchema(`${DIRECTIVE} type Query { y: String @requiresRole(roles: ["ADMIN", "ROOT"]) }`),
      ),
    ).toThrow('Query.y: @requiresRole needs a list of roles');
  });
});
