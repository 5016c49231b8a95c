import { generateSessionKeyPair } from '@ticketing/common/http';
import { DEVICE_COOKIE_TTL_SECONDS, DeviceCookies } from '../device-cookies';

const KEYS = generateSessionKeyPair();
const devices = new DeviceCookies(KEYS.privateKey, false);
const EMAIL = 'someone@example.com';

function header(value: string, name = 'device'): string {
  return `theme=dark; ${name}=${value}; other=1`;
}

describe('device cookies', () => {
  it('when a cookie issued for an account comes back, then it reads with a random id and the tag of that account only', () => {
    const value = devices.issue(EMAIL);
    const read = devices.read(header(value));
    expect(read).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), emailTag: devices.emailTag(EMAIL) });
    expect(read?.emailTag).not.toBe(devices.emailTag('other@example.com'));
    expect(devices.belongsTo(read!, EMAIL)).toBe(true);
    expect(devices.belongsTo(read!, 'other@example.com')).toBe(false);
    expect(devices.read(header(devices.issue(EMAIL)))?.id).not.toBe(read?.id);
    expect(value).not.toContain('someone');
  });

  it.each([
    ['its MAC altered', (v: string) => v.slice(0, -2) + (v.endsWith('AA') ? 'BB' : 'AA')],
    ['its id swapped', (v: string) => v.replace(/^v1\.[^.]+/, 'v1.AAAAAAAAAAAAAAAAAAAAAA')],
    ['its expiry pushed out', (v: string) => v.replace(/^(v1\.[^.]+\.)\d+/, '$19999999999')],
    [
      'its account tag swapped',
      (v: string) =>
        v
          .split('.')
          .map((part, i) => (i === 3 ? devices.emailTag('other@example.com') : part))
          .join('.'),
    ],
    ['another version', (v: string) => v.replace(/^v1/, 'v2')],
    ['parts missing', (v: string) => v.split('.').slice(0, 4).join('.')],
  ])('when a cookie comes back with %s, then it is not a device cookie', (_label, tamper) => {
    expect(devices.read(header(tamper(devices.issue(EMAIL))))).toBeUndefined();
  });

  it('when a cookie was issued with another key, then it is not a device cookie here', () => {
    const elsewhere = new DeviceCookies(generateSessionKeyPair().privateKey, false);
    expect(devices.read(header(elsewhere.issue(EMAIL)))).toBeUndefined();
  });

  it('when a cookie has expired, then it is not a device cookie', () => {
    const issuedAt = Date.now();
    const value = devices.issue(EMAIL, issuedAt);
    expect(devices.read(header(value), issuedAt + (DEVICE_COOKIE_TTL_SECONDS - 60) * 1000)).toBeDefined();
    expect(devices.read(header(value), issuedAt + (DEVICE_COOKIE_TTL_SECONDS + 1) * 1000)).toBeUndefined();
  });

  it('when there is no cookie header, or no device cookie in it, then there is none', () => {
    expect(devices.read(undefined)).toBeUndefined();
    expect(devices.read('session=abc; device2=x')).toBeUndefined();
  });

  it('when cookies are Secure, then the name is __Host-device and the options fit the prefix (Secure, path /)', () => {
    const secure = new DeviceCookies(KEYS.privateKey, true);
    expect(secure.name).toBe('__Host-device');
    expect(secure.cookieOptions()).toEqual(expect.objectContaining({ secure: true, path: '/', httpOnly: true, sameSite: 'strict' }));
    expect(secure.read(header(secure.issue(EMAIL), '__Host-device'))).toBeDefined();
    expect(secure.read(header(secure.issue(EMAIL), 'device'))).toBeUndefined();
  });
});
