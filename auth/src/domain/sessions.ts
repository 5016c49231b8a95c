import { Session } from '../models/session';

/** Records a session auth has just minted a token for. */
export async function recordSession(session: { jti: string; userId: string; iat: number; exp: number }): Promise<void> {
  const createdAt = new Date(session.iat * 1000);
  await Session.create({
    jti: session.jti,
    userId: session.userId,
    createdAt,
    lastSeenAt: createdAt,
    expiresAt: new Date(session.exp * 1000),
    revokedAt: null,
  });
}

/**
 * Whether the session is active: known, not revoked, not expired, and used within the last
 * `idleSeconds`. An active session's `lastSeenAt` becomes now (activity in any service renews it,
 * since every service asks here, at most every 2 s per replica and session).
 */
// `jti` is always a string here (a route parameter or a verified claim), so the filter takes no operator from input.
export async function touchSession(jti: string, idleSeconds: number, now = new Date()): Promise<boolean> {
  // Every other service asks this (through its cache) for every signed-in request: one update that
  // returns no document, on the driver's collection (the filter's types are fixed here, so mongoose's
  // casting and hydration would add cost and nothing else).
  const { matchedCount } = await Session.collection.updateOne(
    {
      jti,
      revokedAt: null,
      expiresAt: { $gt: now },
      lastSeenAt: { $gt: new Date(now.getTime() - idleSeconds * 1000) },
    },
    { $set: { lastSeenAt: now } },
  );
  return matchedCount === 1;
}

/** Ends the session (signout). Revoking an unknown or revoked session changes nothing. */
export async function revokeSession(jti: string, now = new Date()): Promise<void> {
  await Session.updateOne({ jti, revokedAt: null }, { $set: { revokedAt: now } });
}
