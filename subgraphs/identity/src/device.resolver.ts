import { Access, BadInputError, ConflictError, RateLimitedError, hitRateLimit, requireUser } from '@frontrow/kit';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { addressNetwork } from './address';
import type { IdentityContext } from './context';
import { normalizeUserCode, randomToken, sha256, userCode } from './crypto';
import { Device } from './entities/device.entity';
import { User } from './entities/user.entity';
import { openSession } from './sessions';
import { AuthPayload } from './types';
import { checkText } from './validate';
import { DevicePairing } from './types';
import { DevicePairingRecord } from './entities/device-pairing-record.entity';
import { DevicePairingInput } from './device.input';

/** Headset pairing as in the OAuth 2.0 device authorization grant (RFC 8628). */
@Resolver()
export class DeviceResolver {
  @Access({ public: true })
  @Mutation(() => DevicePairing, { description: 'Called by a headset: shows the fan a short code to approve on the web.' })
  async startDevicePairing(
    @Arg('input', () => DevicePairingInput) input: DevicePairingInput,
    @Ctx() ctx: IdentityContext,
  ): Promise<DevicePairing> {
    const deviceName = checkText(input.deviceName, 'deviceName', 60);
    const platform = checkText(input.platform, 'platform', 40);
    const { settings, verificationUri } = ctx.services;
    await hitRateLimit(ctx.services.kv, `pairing:ip:${addressNetwork(ctx.clientIp)}`, settings.pairingStartsPerAddressPerHour, 60 * 60);
    const { pairingTtlSeconds, pairingIntervalSeconds } = settings;
    const deviceCode = randomToken();
    const record = ctx.em.create(DevicePairingRecord, {
      deviceCodeHash: sha256(deviceCode),
      userCode: userCode(),
      deviceName,
      platform,
      expiresAt: new Date(ctx.services.clock() + pairingTtlSeconds * 1000),
      interval: pairingIntervalSeconds,
    });
    await ctx.em.flush();
    return { userCode: record.userCode, deviceCode, verificationUri, expiresAt: record.expiresAt, interval: record.interval };
  }

  @Access({ usersOnly: true })
  @Mutation(() => Device, { description: 'A signed-in fan approves the code their headset shows.' })
  async approveDevicePairing(@Arg('userCode', () => String) code: string, @Ctx() ctx: IdentityContext): Promise<Device> {
    const fan = requireUser(ctx.principal);
    await hitRateLimit(ctx.services.kv, `pairing:approve:${fan.userId}`, ctx.services.settings.pairingApprovalsPerUserPerMinute, 60);
    const record = await ctx.em.findOne(DevicePairingRecord, { userCode: normalizeUserCode(code) });
    if (!record || record.expiresAt.getTime() <= ctx.services.clock()) {
      throw new BadInputError('This code is unknown or has expired; start pairing again on the headset.', 'userCode');
    }
    if (record.approvedByUserId) throw new ConflictError('This code has already been approved.', { field: 'userCode' });
    const device = ctx.em.create(Device, { userId: fan.userId, name: record.deviceName, platform: record.platform });
    record.approvedByUserId = fan.userId;
    record.deviceId = device.id;
    await ctx.em.flush();
    return device;
  }

  @Access({ public: true })
  @Mutation(() => AuthPayload, {
    nullable: true,
    description: 'Polled by the headset: null while pending, tokens once approved (once only), an error when expired or used.',
  })
  async completeDevicePairing(@Arg('deviceCode', () => String) deviceCode: string, @Ctx() ctx: IdentityContext): Promise<AuthPayload | null> {
    const em = ctx.em;
    const record = await em.findOne(DevicePairingRecord, { deviceCodeHash: sha256(deviceCode) });
    if (!record) throw new BadInputError('Unknown device code.', 'deviceCode');
    if (record.completedAt) throw new BadInputError('This device code has already been used.', 'deviceCode');
    const now = new Date(ctx.services.clock());
    if (record.expiresAt <= now) throw new BadInputError('This device code has expired.', 'deviceCode');
    // One conditional update decides whether this poll came too soon (RFC 8628 slow_down).
    const earliest = new Date(now.getTime() - record.interval * 1000);
    const polled = await em.nativeUpdate(
      DevicePairingRecord,
      { id: record.id, $or: [{ lastPolledAt: null }, { lastPolledAt: { $lte: earliest } }] },
      { lastPolledAt: now },
    );
    if (polled === 0) throw new RateLimitedError(record.interval);
    if (!record.approvedByUserId || !record.deviceId) return null;
    const claimed = await em.nativeUpdate(DevicePairingRecord, { id: record.id, completedAt: null }, { completedAt: now });
    if (claimed === 0) throw new BadInputError('This device code has already been used.', 'deviceCode');
    const user = await em.findOneOrFail(User, { id: record.approvedByUserId });
    await em.nativeUpdate(Device, { id: record.deviceId }, { lastSeenAt: now });
    ctx.sessionUserId = user.id;
    return openSession(em, ctx.services, user, record.deviceId);
  }

  @Access({ usersOnly: true })
  @Query(() => [Device], { description: 'The headsets paired with the signed-in user.' })
  async myDevices(@Ctx() ctx: IdentityContext): Promise<Device[]> {
    const fan = requireUser(ctx.principal);
    return ctx.em.find(Device, { userId: fan.userId }, { orderBy: { createdAt: 'asc' } });
  }
}
