/**
 * The bench's data set, generated in SQL (generate_series) straight into each subgraph's database after
 * its migrations: users (one precomputed argon2 hash for all), a catalogue with names and manufacturers
 * that search terms hit, stock for every product, and historical orders with two to four lines each.
 * Deterministic: product `i` has the same SKU, name and price in the catalogue and in the order lines.
 */
import { hashPassword } from '../../subgraphs/users/password.ts';
import { withConnection } from '../support/sql.ts';

export interface DataSetSize {
  users: number;
  products: number;
  orders: number;
}

/** The first users: the staff the bench acts as, then the customer whose order history is long. */
export const BENCH_ADMIN_ID = 1;
export const BENCH_PHARMACIST_ID = 2;
export const HEAVY_CUSTOMER_ID = 3;
/** Orders of the heavy customer: enough for `myOrders(pageSize: 100)`. */
export const HEAVY_CUSTOMER_ORDERS = 120;
export const BENCH_PASSWORD = 'bench-password-1';

/** The product whose stock the subscription scenario moves across its reorder level. */
export const ALERT_PRODUCT_ID = 1;
export const ALERT_PRODUCT_STOCK = { quantity: 100, reorderLevel: 50 };
/** Products from here on are ordered by the saga scenario (plenty of stock, no reorder level). */
export const FIRST_ORDERABLE_PRODUCT_ID = 11;
/** Every product whose id is a multiple of this needs a prescription (its orders wait for review). */
export const PRESCRIPTION_EVERY = 5;

/** Search terms that hit the generated catalogue (substances and manufacturers). */
export const SEARCH_TERMS = [
  'ibu',
  'para',
  'amox',
  'vitamin',
  'zinc',
  'cet',
  'bayer',
  'teva',
  'crea',
  'omep',
];

const SUBSTANCES = [
  'Paracetamol', 'Ibuprofen', 'Amoxicillin', 'Cetirizine', 'Loratadine', 'Omeprazole', 'Vitamin C',
  'Vitamin D3', 'Zinc', 'Magnesium', 'Aspirin', 'Naproxen', 'Diclofenac', 'Metformin', 'Atorvastatin',
  'Salbutamol', 'Fluticasone', 'Hydrocortisone', 'Clotrimazole', 'Loperamide', 'Simethicone', 'Melatonin',
  'Folic Acid', 'Iron', 'Calcium', 'Omega-3', 'Probiotic', 'Lidocaine', 'Benzocaine', 'Chlorhexidine',
]; // prettier-ignore
const FORMS = [
  'Tablets',
  'Capsules',
  'Syrup',
  'Cream',
  'Gel',
  'Drops',
  'Spray',
  'Sachets',
  'Lozenges',
  'Ointment',
];
const STRENGTHS = [
  '50mg',
  '100mg',
  '200mg',
  '250mg',
  '400mg',
  '500mg',
  '1g',
  '5%',
  '10ml',
  '20ml',
  '30 count',
];
const MANUFACTURERS = [
  'Haleon', 'Bayer', 'Pfizer', 'Sanofi', 'Novartis', 'Teva', 'Sandoz', 'Mylan', 'Perrigo', 'Reckitt',
  'Johnson & Johnson', 'Stada', 'Zentiva', 'Krka', 'Accord',
]; // prettier-ignore
const CATEGORIES = [
  'Pain Relief', 'Antibiotics', 'Allergy', 'Digestive Health', 'Vitamins', 'Cardiology', 'Respiratory',
  'Dermatology', 'Diabetes', 'Sleep', 'First Aid', 'Oral Care',
]; // prettier-ignore

/** `(array[...])[1 + <index> % n]` in SQL. */
function pick(values: readonly string[], index: string): string {
  const literals = values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ');
  return `(array[${literals}])[1 + (${index}) % ${values.length}]`;
}

/** The catalogue's columns of product `p` (an SQL integer expression), shared by products and order lines. */
const product = (p: string) => ({
  sku: `'BENCH-' || lpad((${p})::text, 7, '0')`,
  name: `${pick(SUBSTANCES, p)} || ' ' || ${pick(STRENGTHS, `(${p}) / 30`)} || ' ' || ${pick(FORMS, `(${p}) / 7`)} || ' #' || (${p})`,
  priceMinor: `(99 + ((${p}) * 7919) % 4900)`,
});

/** Moves a table's identity past the ids inserted explicitly. */
const syncIdentity = (table: string) =>
  `select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`;

export async function loadUsers(url: string, count: number): Promise<void> {
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  await withConnection(url, async (client) => {
    await client.query(
      `insert into app_user (id, email, username, password_hash, full_name, role, is_active, created_at)
       select i, 'bench-user-' || i || '@example.test', 'bench-user-' || i, $1, 'Bench User ' || i,
              case i when ${BENCH_ADMIN_ID} then 'ADMIN' when ${BENCH_PHARMACIST_ID} then 'PHARMACIST' else 'CUSTOMER' end,
              true, now()
       from generate_series(1, $2::int) as i`,
      [passwordHash, count],
    );
    await client.query(syncIdentity('app_user'));
  });
}

/** Products `from`..`to` (ids), all active. */
export async function loadProducts(url: string, from: number, to: number): Promise<void> {
  const columns = product('i');
  await withConnection(url, async (client) => {
    await client.query(
      `insert into product (id, sku, name, description, price_minor, currency, category, manufacturer,
                            requires_prescription, is_active, created_at, updated_at)
       select i, ${columns.sku}, ${columns.name}, 'Generated for the bench', ${columns.priceMinor}, 'USD',
              ${pick(CATEGORIES, 'i')}, ${pick(MANUFACTURERS, 'i / 3')},
              i % ${PRESCRIPTION_EVERY} = 0, true, now(), now()
       from generate_series($1::int, $2::int) as i`,
      [from, to],
    );
    await client.query(syncIdentity('product'));
    // As autovacuum would after a bulk insert: the trigram indexes' pending lists (rows a GIN index has
    // not merged yet, scanned by every search until then) are merged, and the statistics brought up to date.
    await client.query('vacuum analyze product');
  });
}

/**
 * Stock for products 1..count: plenty of every one, except the alert product near its reorder level. The
 * item's quantity is the sum of its lots: all of it in the lot UNLOTTED (stock without a lot number). None
 * is low, so none has had its fall announced (the column's default, true, is for a new, empty item).
 */
export async function loadInventory(url: string, count: number): Promise<void> {
  await withConnection(url, async (client) => {
    await client.query(
      `insert into inventory_item (product_id, quantity, reserved, reorder_level, low_stock_announced, updated_at)
       select i, case i when $2::int then $3::int else 10000000 end, 0,
              case i when $2::int then $4::int else 0 end, false, now()
       from generate_series(1, $1::int) as i`,
      [count, ALERT_PRODUCT_ID, ALERT_PRODUCT_STOCK.quantity, ALERT_PRODUCT_STOCK.reorderLevel],
    );
    await client.query(
      `insert into lot (product_id, lot_number, quantity, reserved)
       select product_id, 'UNLOTTED', quantity, 0 from inventory_item`,
    );
    await client.query('analyze inventory_item');
    await client.query('analyze lot');
  });
}

/**
 * Historical orders: the heavy customer's first, the rest spread over the other customers; each with two
 * to four lines of distinct products, priced as the catalogue prices them.
 */
export async function loadOrders(url: string, size: DataSetSize): Promise<void> {
  const line = product('l.product_id');
  const firstCustomer = HEAVY_CUSTOMER_ID + 1;
  const otherCustomers = Math.max(1, size.users - HEAVY_CUSTOMER_ID);
  await withConnection(url, async (client) => {
    await client.query(
      `insert into customer_order (id, user_id, status, total_minor, currency, shipping_address, created_at, updated_at)
       select o, case when o <= $2::int then ${HEAVY_CUSTOMER_ID} else ${firstCustomer} + o % $3::int end,
              ${pick(['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'], 'o')}, 0, 'USD',
              o || ' Bench Street, Springfield', now() - make_interval(mins => $1::int - o),
              now() - make_interval(mins => $1::int - o)
       from generate_series(1, $1::int) as o`,
      [size.orders, HEAVY_CUSTOMER_ORDERS, otherCustomers],
    );
    await client.query(
      `insert into order_line (order_id, product_id, sku, product_name, quantity, unit_price_minor, line_total_minor)
       select l.order_id, l.product_id, ${line.sku}, ${line.name}, l.quantity, ${line.priceMinor},
              ${line.priceMinor} * l.quantity
       from (select o as order_id, 1 + (o * 31 + k * 977) % $2::int as product_id, 1 + (o + k) % 3 as quantity
             from generate_series(1, $1::int) as o, generate_series(0, 3) as k
             where k < 2 + o % 3) as l`,
      [size.orders, size.products],
    );
    await client.query(
      `update customer_order o set total_minor = t.total
       from (select order_id, sum(line_total_minor) as total from order_line group by order_id) t
       where o.id = t.order_id`,
    );
    await client.query(syncIdentity('customer_order'));
    await client.query(syncIdentity('order_line'));
    await client.query('analyze customer_order');
    await client.query('analyze order_line');
  });
}

/** Tables for the raw commit rate: an order and its lines, as the orders subgraph keeps them. */
export async function createRawCommitTables(url: string): Promise<void> {
  await withConnection(url, async (client) => {
    await client.query(`
      create table raw_order (
        id integer generated by default as identity primary key,
        user_id integer not null, status text not null, total_minor bigint not null,
        currency char(3) not null, shipping_address text not null,
        created_at timestamptz not null, updated_at timestamptz not null)`);
    await client.query(`
      create table raw_order_line (
        id integer generated by default as identity primary key,
        order_id integer not null references raw_order (id), product_id integer not null,
        sku varchar(64) not null, product_name varchar(200) not null, quantity integer not null,
        unit_price_minor bigint not null, line_total_minor bigint not null,
        constraint raw_order_line_product unique (order_id, product_id))`);
  });
}
