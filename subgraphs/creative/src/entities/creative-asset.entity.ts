import { Entity, Index, Property } from '@mikro-orm/core';
import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum AssetKind {
  IMAGE = 'IMAGE',
  VIDEO = 'VIDEO',
}
registerEnumType(AssetKind, { name: 'AssetKind', description: 'IMAGE: PNG, JPEG or WebP; VIDEO: MP4 (H.264) or WebM.' });

export enum AssetStatus {
  AWAITING_UPLOAD = 'AWAITING_UPLOAD',
  IN_REVIEW = 'IN_REVIEW',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
}
registerEnumType(AssetStatus, {
  name: 'AssetStatus',
  description: 'AWAITING_UPLOAD → (submitAsset) IN_REVIEW → APPROVED or REJECTED.',
});

/** A sponsor's image or video; its bytes live in object storage under `objectKey`. */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'An image or video of a sponsor, stored in object storage and reviewed before it is placed.' })
@Entity({ tableName: 'creative_asset' })
@Index({ name: 'creative_asset_review', properties: ['status', 'submittedAt', 'id'] })
export class CreativeAsset extends BaseEntity<'status' | 'bytes' | 'width' | 'height' | 'rejectionReason' | 'submittedAt' | 'reviewedAt' | 'reviewedBy'> {
  @Property({ type: 'uuid' })
  sponsorId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => AssetKind)
  @Property({ type: 'text' })
  kind!: AssetKind;

  @Field(() => String)
  @Property({ type: 'text' })
  contentType!: string;

  /** The size the upload URL is bound to. */
  @Property({ type: 'int' })
  declaredBytes!: number;

  @Field(() => Int, { nullable: true, description: 'The stored object\'s size, once submitted.' })
  @Property({ type: 'int', nullable: true })
  bytes?: number | null;

  @Field(() => Int, { nullable: true, description: 'Pixels; images only, read from the stored file.' })
  @Property({ type: 'int', nullable: true })
  width?: number | null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'int', nullable: true })
  height?: number | null;

  @Field(() => AssetStatus)
  @Property({ type: 'text' })
  status: AssetStatus = AssetStatus.AWAITING_UPLOAD;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  rejectionReason?: string | null;

  /** Where the bytes are in the bucket. */
  @Property({ type: 'text' })
  objectKey!: string;

  @Property({ type: 'timestamptz', nullable: true })
  submittedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  reviewedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  reviewedBy?: string | null;
}
