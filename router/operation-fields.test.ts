import { describe, expect, it } from '@jest/globals';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { rootFields } from './operation-fields.ts';

/** The root fields of the operation named `name` (or the only one) as "alias:name" or "name". */
function fieldsOf(source: string, name?: string): string[] {
  const document = parse(source);
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      (name === undefined || definition.name?.value === name),
  );
  if (!operation) throw new Error(`no operation ${name ?? ''}`);
  return rootFields(document, operation).map((field) =>
    field.alias ? `${field.alias.value}:${field.name.value}` : field.name.value,
  );
}

describe('rootFields', () => {
  it('lists the root fields only, not the fields below them', () => {
    expect(fieldsOf('{ me { id email } products { items { id } } }')).toEqual(['me', 'products']);
    expect(fieldsOf('mutation { login(username: "a", password: "b") { accessToken user { id } } }')).toEqual([
      'login',
    ]);
  });

  it('counts every alias of a field as its own call', () => {
    expect(fieldsOf('{ a: categories b: categories c: categories categories }')).toEqual([
      'a:categories',
      'b:categories',
      'c:categories',
      'categories',
    ]);
    expect(
      fieldsOf(`mutation {
        one: login(username: "x", password: "1") { accessToken }
        two: login(username: "x", password: "2") { accessToken }
      }`),
    ).toEqual(['one:login', 'two:login']);
  });

  it('spreads named fragments, nested ones too, wherever they are declared', () => {
    expect(
      fieldsOf(`
        query Q { ...Outer categories }
        fragment Outer on Query { me { id } ...Inner }
        fragment Inner on Query { x: users { totalCount } y: users { totalCount } }
      `),
    ).toEqual(['me', 'x:users', 'y:users', 'categories']);
  });

  it('spreads inline fragments, with or without a type condition', () => {
    expect(
      fieldsOf(
        '{ ... on Query { me { id } ... { products { totalCount } } } ... @include(if: true) { users } }',
      ),
    ).toEqual(['me', 'products', 'users']);
  });

  it('includes fields behind @skip/@include (a limit cannot know what runs)', () => {
    expect(fieldsOf('query($no: Boolean!) { me @skip(if: $no) { id } users @include(if: $no) }')).toEqual([
      'me',
      'users',
    ]);
  });

  it('lists __typename and introspection fields by name', () => {
    expect(fieldsOf('{ __typename __schema { types { name } } __type(name: "User") { name } }')).toEqual([
      '__typename',
      '__schema',
      '__type',
    ]);
  });

  it('stops at fragment cycles and ignores unknown fragments instead of looping or throwing', () => {
    expect(
      fieldsOf(`
        { ...A ...Missing }
        fragment A on Query { me { id } ...B }
        fragment B on Query { categories ...A }
      `),
    ).toEqual(['me', 'categories']);
  });

  it('reads only the operation it is given', () => {
    const source = `
      query First { me { id } }
      mutation Second { register(input: {}) { id } login(username: "a", password: "b") { accessToken } }
    `;
    expect(fieldsOf(source, 'First')).toEqual(['me']);
    expect(fieldsOf(source, 'Second')).toEqual(['register', 'login']);
  });
});
