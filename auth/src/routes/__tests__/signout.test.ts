import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { Session } from '../../models/session';
import { sessionCookieFrom, signup, testApp } from '../../test/helpers';

useMongoose();
const app = testApp();

describe('POST /api/users/signout', () => {
  it('when signed in, then signout answers {} and clears the cookie', async () => {
    const user = await signup(app);
    const response = await request(app).post('/api/users/signout').set('Cookie', user.cookie).expect(200);

    expect(response.body).toEqual({});
    const [cleared] = response.get('Set-Cookie') ?? [];
    expect(cleared).toMatch(/^session=;/);
    expect(cleared).toMatch(/expires=Thu, 01 Jan 1970 00:00:00 GMT/);

    const me = await request(app).get('/api/users/currentuser').set('Cookie', sessionCookieFrom(response)).expect(200);
    expect(me.body).toEqual({ currentUser: null });
  });

  it('when a cookie copied before signout is sent after it, then it is refused (the session is revoked)', async () => {
    const user = await signup(app);
    await request(app)
      .get('/api/users/currentuser')
      .set('Cookie', user.cookie)
      .expect(200, /"email"/);
    await request(app).post('/api/users/signout').set('Cookie', user.cookie).expect(200);
    const stored = await Session.findOne({ userId: user.id }).lean();
    expect(stored?.revokedAt).toBeInstanceOf(Date);
    const me = await request(app).get('/api/users/currentuser').set('Cookie', user.cookie).expect(200);
    expect(me.body).toEqual({ currentUser: null });
    const status = await request(app).get(`/api/users/sessions/${stored?.jti}`).expect(200);
    expect(status.body).toEqual({ active: false });
  });

  it('when not signed in, then signout still answers 200 {}', async () => {
    const response = await request(app).post('/api/users/signout').expect(200);
    expect(response.body).toEqual({});
  });
});
