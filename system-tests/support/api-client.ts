import crypto from 'node:crypto';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** A user of the suite through the gateway: keeps its session cookie like a browser would. */
export class ApiClient {
  private cookie = '';

  constructor(
    readonly baseUrl: string,
    readonly email = `user-${crypto.randomBytes(6).toString('hex')}@test.dev`,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async signup(): Promise<{ id: string; email: string }> {
    const res = await this.request<{ id: string; email: string }>('POST', '/api/users/signup', { email: this.email, password: 'password' });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
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
