import crypto from 'node:crypto';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** A user of the suite through the gateway: keeps its cookies (session, device) like a browser would. */
export class ApiClient {
  private readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    readonly email = `user-${crypto.randomBytes(6).toString('hex')}@test.dev`,
    /** A strong random password: common ones such as 'password' are refused at signup. */
    readonly password = `pw-${crypto.randomBytes(12).toString('base64url')}`,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const { status, text } = await this.send(method, path, body);
    return { status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** The whole answer (headers and the body as text), for checks of the HTTP contract itself. */
  async send(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const setCookie of res.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      // A cleared cookie (signout) is sent back as `session=; expires=1970`: forget it like a browser.
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The session cookie this client holds, `session=…` (what an attacker who copied it would send), or ''. */
  get sessionCookie(): string {
    const value = this.cookies.get('session');
    return value === undefined ? '' : `session=${value}`;
  }

  /** Sends `cookie` (`name=value`) as this client's only cookie from now on. */
  useCookie(cookie: string): void {
    this.cookies.clear();
    const eq = cookie.indexOf('=');
    if (eq > 0) this.cookies.set(cookie.slice(0, eq), cookie.slice(eq + 1));
  }

  /** Signs up, waiting out a 429 as a browser user would (Retry-After): tests sign many users up from one address. */
  async signup(): Promise<{ id: string; email: string }> {
    for (let attempt = 1; ; attempt += 1) {
      const res = await this.request<{ id: string; email: string }>('POST', '/api/users/signup', {
        email: this.email,
        password: this.password,
      });
      if (res.status === 201) return res.body;
      if (res.status !== 429 || attempt >= 30) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

export interface Ticket {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
}

export interface Order {
  id: string;
  userId: string;
  status: string;
  expiresAt: string;
  version: number;
  ticket: { id: string; title: string; price: number; version: number };
}
