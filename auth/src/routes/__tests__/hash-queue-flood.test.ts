import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { signup, STRONG_PASSWORD, testApp, uniqueEmail } from '../../test/helpers';

useMongoose();
// One hash at a time, one waiting per client: the third concurrent attempt from one address is refused.
const app = testApp({ PASSWORD_HASH_CONCURRENCY: 1, PASSWORD_HASH_QUEUE: 8, PASSWORD_HASH_QUEUE_PER_CLIENT: 1 });

describe('password hashing under a flood', () => {
  it('when one address sends more signins at once than the queue takes, then the extra get 429 with Retry-After', async () => {
    const { email } = await signup(app);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => request(app).post('/api/users/signin').send({ email, password: 'wrong-password' })),
    );
    const throttled = responses.filter((response) => response.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(responses.filter((response) => response.status === 400).length).toBeGreaterThanOrEqual(2);
    for (const response of throttled) {
      expect(response.body).toEqual({ errors: [{ message: 'Too many attempts; try again later' }] });
      expect(response.get('Retry-After')).toBe('1');
    }
  });

  it('when one address floods, then a client at another address is still served', async () => {
    const { email } = await signup(app);
    const flood = Array.from({ length: 6 }, () =>
      request(app)
        .post('/api/users/signin')
        .set('X-Forwarded-For', '203.0.113.9')
        .send({ email: uniqueEmail(), password: 'wrong-password' }),
    );
    const real = request(app).post('/api/users/signin').set('X-Forwarded-For', '198.51.100.7').send({ email, password: STRONG_PASSWORD });
    const [response] = await Promise.all([real, ...flood]);
    expect(response.status).toBe(200);
  });
});
