import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { Ticket } from '../../models/ticket';
import { createTicketViaApi, signin, testApp, ticketBody, useOutbox } from '../../test/helpers';
import {
  PRICE_DECIMALS_MESSAGE,
  PRICE_MAX_MESSAGE,
  PRICE_MESSAGE,
  TITLE_CHARACTERS_MESSAGE,
  TITLE_LENGTH_MESSAGE,
  TITLE_MESSAGE,
  TITLE_VISIBLE_MESSAGE,
} from '../rules';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();
const app = testApp();

/** Sends a Buffer body byte for byte (superagent would JSON-encode it under a JSON content type). */
const asIs = (raw: unknown) => raw as string;

const REFUSED_TITLES: Array<[string, string, string]> = [
  ['121 characters', 'a'.repeat(121), TITLE_LENGTH_MESSAGE],
  ['10 kB', 'x'.repeat(10 * 1024), TITLE_LENGTH_MESSAGE],
  ['121 emoji', '🎫'.repeat(121), TITLE_LENGTH_MESSAGE],
  ['a NUL', 'con\u0000cert', TITLE_CHARACTERS_MESSAGE],
  ['a newline', 'con\ncert', TITLE_CHARACTERS_MESSAGE],
  ['a tab', 'con\tcert', TITLE_CHARACTERS_MESSAGE],
  ['a bell', '\u0007concert', TITLE_CHARACTERS_MESSAGE],
  ['DEL', 'concert\u007f', TITLE_CHARACTERS_MESSAGE],
  ['a C1 control (NEL)', 'con\u0085cert', TITLE_CHARACTERS_MESSAGE],
  ['an escape sequence', '\u001b[31mred', TITLE_CHARACTERS_MESSAGE],
  ['a lone high surrogate', 'concert \ud83c', TITLE_CHARACTERS_MESSAGE],
  ['a lone low surrogate', '\udfab concert', TITLE_CHARACTERS_MESSAGE],
  ['a private-use character', 'concert \ue000', TITLE_CHARACTERS_MESSAGE],
  ['an unassigned code point', 'concert \u0378', TITLE_CHARACTERS_MESSAGE],
  ['a line separator', 'con\u2028cert', TITLE_CHARACTERS_MESSAGE],
  ['only a zero-width space', '\u200b', TITLE_VISIBLE_MESSAGE],
  ['only zero-width characters', '\u200b\u200c\u200d\u2060', TITLE_VISIBLE_MESSAGE],
  ['zero-width characters between spaces', ' \u200b \u200b ', TITLE_VISIBLE_MESSAGE],
  ['only a byte-order mark', '\ufeff', TITLE_MESSAGE],
  ['only ideographic spaces', '\u3000\u3000', TITLE_MESSAGE],
];

const ACCEPTED_TITLES: Array<[string, string, string]> = [
  ['exactly 120 characters', 'a'.repeat(120), 'a'.repeat(120)],
  ['120 emoji (240 UTF-16 units)', '🎫'.repeat(120), '🎫'.repeat(120)],
  ['decomposed é (stored composed, NFC)', 'Cafe\u0301 concert', 'Caf\u00e9 concert'],
  ['200 decomposed code points that are 100 once composed', 'e\u0301'.repeat(100), '\u00e9'.repeat(100)],
  ['the ohm sign (NFC: omega)', '\u2126 concert', '\u03a9 concert'],
  ['an emoji ZWJ sequence', 'family 👨‍👩‍👧', 'family 👨‍👩‍👧'],
  ['one character', 'a', 'a'],
  ['CJK between ideographic spaces', '\u3000音楽会\u3000', '音楽会'],
];

const REFUSED_PRICES: Array<[string, number, string]> = [
  ['1e308', 1e308, PRICE_MAX_MESSAGE],
  ['1000000.01', 1_000_000.01, PRICE_MAX_MESSAGE],
  ['1000001', 1_000_001, PRICE_MAX_MESSAGE],
  ['5e-324', 5e-324, PRICE_DECIMALS_MESSAGE],
  ['1e-7', 1e-7, PRICE_DECIMALS_MESSAGE],
  ['0.001', 0.001, PRICE_DECIMALS_MESSAGE],
  ['10.123456789012345', Number('10.123456789012345'), PRICE_DECIMALS_MESSAGE],
  ['19.999', 19.999, PRICE_DECIMALS_MESSAGE],
  ['0.1 + 0.2', 0.1 + 0.2, PRICE_DECIMALS_MESSAGE],
  ['1.1 + 0.04 (1.1400000000000001)', 1.1 + 0.04, PRICE_DECIMALS_MESSAGE],
  ['-0', -0, PRICE_MESSAGE],
  ['-19.99', -19.99, PRICE_MESSAGE],
];

const ACCEPTED_PRICES: number[] = [19.99, 1_000_000, 999_999.99, 0.01, 0.3, 1.14, 12.5, 1];

describe('ticket input rules (POST /api/tickets)', () => {
  it.each(REFUSED_TITLES)('when the title has %s, then 400 naming title and nothing is stored', async (_label, title, message) => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody({ title })).expect(400);
    expect(response.body).toEqual({ errors: [{ message, field: 'title' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each(ACCEPTED_TITLES)('when the title has %s, then 201 and the NFC form is answered and stored', async (_label, title, stored) => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody({ title })).expect(201);
    expect(response.body).toMatchObject({ title: stored });
    expect((await Ticket.findById((response.body as { id: string }).id).orFail()).title).toBe(stored);
  });

  it.each(REFUSED_PRICES)('when the price is %s, then 400 naming price and nothing is stored', async (_label, price, message) => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody({ price })).expect(400);
    expect(response.body).toEqual({ errors: [{ message, field: 'price' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each(ACCEPTED_PRICES)('when the price is %s, then 201 with that price', async (price) => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody({ price })).expect(201);
    expect(response.body).toMatchObject({ price });
  });

  it('when both fields are wrong, then both are named', async () => {
    const response = await request(app)
      .post('/api/tickets')
      .set('Cookie', signin().cookie)
      .send({ title: '\u200b', price: 1e308 })
      .expect(400);
    expect(response.body).toEqual({
      errors: [
        { message: TITLE_VISIBLE_MESSAGE, field: 'title' },
        { message: PRICE_MAX_MESSAGE, field: 'price' },
      ],
    });
  });

  it('when the body is not valid UTF-8, then 400 and nothing is stored (no U+FFFD title)', async () => {
    const raw = Buffer.concat([Buffer.from('{"title": "conc'), Buffer.from([0xff, 0xfe]), Buffer.from('ert", "price": 10}')]);
    const response = await request(app)
      .post('/api/tickets')
      .set('Cookie', signin().cookie)
      .set('Content-Type', 'application/json')
      .serialize(asIs)
      .send(raw)
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Request body is not valid UTF-8' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });
});

describe('ticket input rules (PUT /api/tickets/:id)', () => {
  it.each([
    ['a 121-character title', { title: 'a'.repeat(121) }, 'title', TITLE_LENGTH_MESSAGE],
    ['a title with a control character', { title: 'a\u0000b' }, 'title', TITLE_CHARACTERS_MESSAGE],
    ['a zero-width title', { title: '\u200b' }, 'title', TITLE_VISIBLE_MESSAGE],
    ['a lone surrogate', { title: '\ud800' }, 'title', TITLE_CHARACTERS_MESSAGE],
    ['a price of 1e308', { price: 1e308 }, 'price', PRICE_MAX_MESSAGE],
    ['a price with 3 decimals', { price: 10.125 }, 'price', PRICE_DECIMALS_MESSAGE],
  ])('when the owner sends %s, then 400 naming it and the ticket is unchanged', async (_label, overrides, field, message) => {
    const { cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const response = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(ticketBody(overrides)).expect(400);
    expect(response.body).toEqual({ errors: [{ message, field }] });
    expect((await Ticket.findById(ticket.id).orFail()).toJSON()).toEqual(ticket);
  });

  it('when the owner sends a decomposed title, then it is stored composed (NFC)', async () => {
    const { cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const response = await request(app)
      .put(`/api/tickets/${ticket.id}`)
      .set('Cookie', cookie)
      .send(ticketBody({ title: 'Cafe\u0301', price: 1_000_000 }))
      .expect(200);
    expect(response.body).toMatchObject({ title: 'Caf\u00e9', price: 1_000_000 });
  });
});

describe('route parameters that cannot be decoded (tickets)', () => {
  it.each(['%zz', '%E0%A4%A', '%'])('when GET /api/tickets/%s, then 400 in the error shape, never a 500', async (raw) => {
    const response = await request(app).get(`/api/tickets/${raw}`).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Malformed URL parameter' }] });
  });

  it.each([
    ['signed in', true],
    ['signed out', false],
  ])('when PUT /api/tickets/%%E0%%A4%%A %s, then 400 in the error shape', async (_label, signedIn) => {
    const put = request(app).put('/api/tickets/%E0%A4%A');
    if (signedIn) put.set('Cookie', signin().cookie);
    const response = await put.send(ticketBody()).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Malformed URL parameter' }] });
  });
});

describe('security headers (tickets)', () => {
  it.each([
    ['GET /api/tickets', () => request(app).get('/api/tickets').expect(200)],
    ['POST /api/tickets signed in', () => request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody()).expect(201)],
  ])('when %s is answered, then it carries nosniff, the CSP, no-referrer and Cache-Control no-store', async (_label, send) => {
    const response = await send();
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
  });
});
