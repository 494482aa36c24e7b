/**
 * The catalogue as the orders subgraph sees it: the price, currency, state, prescription flag and limit per
 * order of products at the moment an order is placed, asked of the products subgraph through its federation entry point (`_entities`),
 * signed like a router request.
 *
 * Why a call and not a copy fed by product events: a product must be orderable as soon as createProduct
 * has returned, at the price the catalogue holds at that moment, and a copy always lags. The price is
 * then fixed on the order line, so later catalogue changes never touch a placed order.
 */
import { postText } from '../../lib/http-post.ts';
import { REQUEST_ID_HEADER, type Logger } from '../../lib/logger.ts';
import { parseMoney } from '../../lib/money.ts';
import { signRouterRequest } from '../../lib/router-proof.ts';
import { sendTraced } from '../../lib/telemetry.ts';
import { ErrorCode, ServiceUnavailableError } from '../../lib/errors.ts';
import type { Viewer } from '../../lib/viewer.ts';
import type { CatalogueProduct } from './order.rules.ts';

export interface CatalogueOptions {
  /** The products subgraph's GraphQL URL. */
  url: string;
  /** The router secret, which the products subgraph checks. */
  routerSecret: string;
  timeoutMs: number;
}

const ORDERABLE_PRODUCTS = `query OrderableProducts($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id sku name price currency isActive requiresPrescription maxQuantityPerOrder }
  }
}`;

interface EntitiesReply {
  data?: {
    _entities?: ({
      id: string;
      sku: string;
      name: string;
      price: string;
      currency: string;
      isActive: boolean;
      requiresPrescription: boolean;
      maxQuantityPerOrder: number | null;
    } | null)[];
  };
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

export class Catalogue {
  readonly #options: CatalogueOptions;
  readonly #url: URL;

  constructor(options: CatalogueOptions) {
    this.#options = options;
    this.#url = new URL(options.url);
  }

  /** The products of `ids` that exist (discontinued ones included), by id. */
  async products(
    ids: readonly number[],
    request: { requestId: string; viewer: Viewer; logger: Logger },
  ): Promise<Map<number, CatalogueProduct>> {
    const body = JSON.stringify({
      query: ORDERABLE_PRODUCTS,
      variables: { representations: ids.map((id) => ({ __typename: 'Product', id: String(id) })) },
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [REQUEST_ID_HEADER]: request.requestId,
      ...signRouterRequest(this.#options.routerSecret, body, request.viewer),
    };
    let reply: EntitiesReply;
    try {
      const answer = await sendTraced(
        { method: 'POST', url: this.#url, headers },
        () => postText(this.#url, headers, body, this.#options.timeoutMs),
        (answered) => answered.status,
      );
      if (answer.status >= 500) throw new Error(`the products subgraph answered ${answer.status}`);
      reply = JSON.parse(answer.text) as EntitiesReply;
    } catch (error) {
      request.logger.warn({ err: error, url: this.#options.url }, 'catalogue lookup failed');
      throw new ServiceUnavailableError('the catalogue');
    }
    // The products subgraph up but its database down: the same answer to the customer, retry shortly.
    if (reply.errors?.some((error) => error.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
      request.logger.warn({ errors: reply.errors }, 'catalogue unavailable');
      throw new ServiceUnavailableError('the catalogue');
    }
    const entities = reply.data?._entities;
    if (!entities || reply.errors?.length) {
      throw new Error(
        `catalogue lookup refused: ${reply.errors?.map((e) => e.message).join('; ') ?? 'no data'}`,
      );
    }
    return new Map(
      entities.flatMap((product) =>
        product === null
          ? []
          : [
              [
                Number(product.id),
                {
                  id: Number(product.id),
                  sku: product.sku,
                  name: product.name,
                  priceMinor: parseMoney(product.price, 'price'),
                  currency: product.currency,
                  isActive: product.isActive,
                  requiresPrescription: product.requiresPrescription,
                  maxQuantityPerOrder: product.maxQuantityPerOrder,
                },
              ],
            ],
      ),
    );
  }
}
