import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

class InitialIdentity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table app_user (
      id uuid primary key,
      email text not null unique,
      password_hash text not null,
      display_name text not null,
      roles text[] not null default '{FAN}',
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create table refresh_token (
      id uuid primary key,
      token_hash text not null unique,
      family_id uuid not null,
      user_id uuid not null references app_user (id) on delete cascade,
      device_id uuid null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      rotated_at timestamptz null,
      revoked_at timestamptz null
    )`);
    this.addSql(`create index refresh_token_family on refresh_token (family_id)`);
    this.addSql(`create index refresh_token_user on refresh_token (user_id)`);
    this.addSql(`create table device (
      id uuid primary key,
      user_id uuid not null references app_user (id) on delete cascade,
      name text not null,
      platform text not null,
      last_seen_at timestamptz null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index device_user on device (user_id)`);
    this.addSql(`create table device_pairing (
      id uuid primary key,
      device_code_hash text not null unique,
      user_code text not null unique,
      device_name text not null,
      platform text not null,
      expires_at timestamptz not null,
      interval int not null,
      last_polled_at timestamptz null,
      approved_by_user_id uuid null,
      device_id uuid null,
      completed_at timestamptz null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create table api_key (
      id uuid primary key,
      user_id uuid not null references app_user (id) on delete cascade,
      name text not null,
      scopes text[] not null default '{}',
      secret_hash text not null unique,
      last_used_at timestamptz null,
      revoked_at timestamptz null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index api_key_user on api_key (user_id)`);
    this.addSql(`create table signing_key (
      kid text primary key,
      alg text not null,
      private_jwk jsonb not null,
      public_jwk jsonb not null,
      created_at timestamptz not null,
      rotated_at timestamptz null,
      retire_at timestamptz null
    )`);
  }
}

export const migrations = [...KIT_MIGRATIONS, { name: '0001_identity_initial', class: InitialIdentity }];
