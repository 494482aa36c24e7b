import type { GraphQLResolverMap } from '@apollo/subgraph';
import { formatMoney } from '../../lib/money.ts';
import { DateTimeScalar, DecimalScalar } from '../../lib/scalars.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { ProductsContext } from './products.subgraph.ts';

export const productsResolvers: Resolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Query: {
    products: (_, { filter, page, pageSize }, { products }) => products.list(filter, page, pageSize),
    product: (_, { id }, { products }) => products.getById(id),
    productBySku: (_, { sku }, { products }) => products.getBySku(sku),
    categories: (_, __, { products }) => products.categories(),
  },
  Mutation: {
    createProduct: (_, { input }, { products }) => products.create(input),
    updateProduct: (_, { id, input }, { products }) => products.update(id, input),
    deleteProduct: (_, { id }, { products }) => products.discontinue(id),
  },
  Product: {
    __resolveReference: ({ id }, { products }) => products.findById(id),
    id: (product) => String(product.id),
    price: (product) => formatMoney(product.priceMinor),
  },
} satisfies Resolvers & GraphQLResolverMap<ProductsContext>;
