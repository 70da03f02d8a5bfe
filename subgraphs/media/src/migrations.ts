import { KIT_MIGRATIONS } from '@frontrow/kit';
import { Migration } from '@mikro-orm/migrations';

class InitialMedia extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table encoder_preset (
      id text primary key,
      name text not null,
      width int not null,
      height int not null,
      fps int not null,
      bitrate_kbps int not null,
      codec text not null check (codec in ('vp8', 'h264')),
      projection text not null
    )`);
    this.addSql(`insert into encoder_preset (id, name, width, height, fps, bitrate_kbps, codec, projection) values
      ('equirect-4k-h264', '360 4K (H.264)', 3840, 1920, 30, 20000, 'h264', 'EQUIRECT_MONO'),
      ('equirect-2k-vp8', '360 2K (VP8)', 1920, 960, 30, 6000, 'vp8', 'EQUIRECT_MONO'),
      ('equirect-stereo-vp8', '360 stereo top-bottom (VP8)', 1920, 1920, 30, 9000, 'vp8', 'EQUIRECT_STEREO_TB'),
      ('flat-1080p-h264', 'Flat 1080p (H.264)', 1920, 1080, 30, 6000, 'h264', 'FLAT'),
      ('test-pattern-vp8', '360 test pattern (VP8, light)', 1280, 640, 30, 1500, 'vp8', 'EQUIRECT_MONO')`);
    this.addSql(`create sequence mountpoint_id_seq start 1000`);
    this.addSql(`create table ingest (
      feed_id uuid primary key,
      status text not null,
      preset_id text null references encoder_preset (id),
      mountpoint_id int not null unique default nextval('mountpoint_id_seq'),
      video_port int null,
      audio_port int null,
      error text null,
      started_at timestamptz null,
      stopped_at timestamptz null
    )`);
    this.addSql(`create table feed_info (
      feed_id uuid primary key,
      event_id uuid not null,
      label text not null,
      projection text not null,
      preview boolean not null default false
    )`);
    this.addSql(`create index feed_info_event on feed_info (event_id)`);
    this.addSql(`create table entitlement_info (
      entitlement_id uuid primary key,
      user_id uuid not null,
      event_id uuid null,
      revoked_at timestamptz null
    )`);
    this.addSql(`create index entitlement_info_user on entitlement_info (user_id)`);
    this.addSql(`create table playback_token (
      token text primary key,
      user_id uuid not null,
      feed_id uuid not null,
      event_id uuid not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      removed_at timestamptz null
    )`);
    this.addSql(`create index playback_token_user on playback_token (user_id)`);
    this.addSql(`create index playback_token_feed on playback_token (feed_id)`);
    this.addSql(`create index playback_token_live on playback_token (expires_at) where removed_at is null`);
  }
}

/** When Janus stops answering, its LIVE ingests are FAILED until it answers again (decision 0011). */
class IngestJanusDown extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table ingest add column janus_down_since timestamptz null`);
  }
}

export const migrations = [
  ...KIT_MIGRATIONS,
  { name: '0001_media_initial', class: InitialMedia },
  { name: '0002_media_ingest_janus_down', class: IngestJanusDown },
];
