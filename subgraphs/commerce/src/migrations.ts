import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

class InitialCommerce extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table product (
      id uuid primary key,
      kind text not null check (kind in ('EVENT_PASS', 'SEASON_PASS', 'SEAT_UPGRADE')),
      name text not null,
      event_id text null,
      price_amount int not null check (price_amount > 0),
      price_currency text not null check (price_currency ~ '^[A-Z]{3}$'),
      inventory int null check (inventory is null or inventory >= 0),
      remaining int null check (remaining is null or remaining >= 0),
      active boolean not null default true,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      check ((kind = 'SEASON_PASS') = (event_id is null)),
      check ((inventory is null) = (remaining is null))
    )`);
    this.addSql(`create index product_event_id_index on product (event_id)`);
    this.addSql(`create table orders (
      id uuid primary key,
      user_id uuid not null,
      status text not null check (status in ('PENDING', 'PAID', 'FAILED', 'REFUNDED', 'CANCELLED')),
      total_amount int not null,
      currency text not null,
      idempotency_key text not null,
      request_hash text not null,
      payment_method text not null,
      payment_id text null,
      failure_reason text null,
      paid_at timestamptz null,
      failed_at timestamptz null,
      cancelled_at timestamptz null,
      refund_requested_at timestamptz null,
      refund_requested_by uuid null,
      refund_reason text null,
      refund_id text null,
      refunded_at timestamptz null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint orders_user_id_idempotency_key_unique unique (user_id, idempotency_key)
    )`);
    this.addSql(`create index orders_user_id_index on orders (user_id, created_at desc, id desc)`);
    this.addSql(`create index orders_payment_id_index on orders (payment_id)`);
    this.addSql(`create index orders_created_at_index on orders (created_at, id)`);
    // The sweeper looks for old PENDING orders only.
    this.addSql(`create index orders_pending_index on orders (created_at) where status = 'PENDING'`);
    this.addSql(`create table order_line (
      id uuid primary key,
      order_id uuid not null references orders (id) on delete cascade,
      product_id uuid not null references product (id),
      quantity int not null check (quantity between 1 and 10),
      unit_amount int not null,
      currency text not null,
      reserved int not null default 0 check (reserved >= 0),
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index order_line_order_id_index on order_line (order_id)`);
    this.addSql(`create table entitlement (
      id uuid primary key,
      user_id uuid not null,
      event_id text null,
      product_id uuid not null references product (id),
      order_id uuid not null references orders (id),
      kind text not null,
      granted_at timestamptz not null,
      revoked_at timestamptz null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint entitlement_order_id_product_id_unique unique (order_id, product_id)
    )`);
    this.addSql(`create index entitlement_user_id_index on entitlement (user_id)`);
    this.addSql(`create table payment_event (
      id text primary key,
      type text not null,
      received_at timestamptz not null
    )`);
  }
}

export const migrations = [...KIT_MIGRATIONS, { name: '0001_commerce_initial', class: InitialCommerce }];
