import { brokerInboxPrefix } from './permissions';
import type { TransportConfig } from './transport';

/**
 * The service's NATS user and password from NATS_USER / NATS_PASSWORD, or undefined when no user is
 * configured (a broker outside the stack that takes no credentials). A user without a password is a
 * configuration mistake, refused here rather than met as an authorization error later.
 */
export function brokerCredentials(config: TransportConfig): { user: string; pass: string } | undefined {
  const user = config.NATS_USER ?? '';
  const pass = config.NATS_PASSWORD ?? '';
  if (user === '' && pass === '') return undefined;
  if (user === '') throw new Error('NATS_PASSWORD is set but NATS_USER is not');
  if (pass === '') throw new Error(`NATS_USER "${user}" is set but NATS_PASSWORD is not`);
  return { user, pass };
}

/** JetStream connect options: the user and password, and replies under the user's own inbox prefix (its permissions allow no other). */
export function jetStreamAuth(config: TransportConfig): { user?: string; pass?: string; inboxPrefix?: string } {
  const credentials = brokerCredentials(config);
  return credentials ? { ...credentials, inboxPrefix: brokerInboxPrefix(credentials.user) } : {};
}
