/**
 * The benchmark's baselines: bare Express endpoints on the same MongoDB through mongoose, with none of
 * the suite's layers (no session or JWT, no validation, no transaction, no outbox, no events):
 * `POST /api/baseline` inserts one document, `GET /api/baseline/:id` reads one with `findById`.
 *
 *   PORT=... MONGO_URI=... node bench/dist/baseline-server.js
 */
import express from 'express';
import mongoose from 'mongoose';

const Item = mongoose.model('Item', new mongoose.Schema({ title: String, price: Number }));

async function main(): Promise<void> {
  const uri = process.env.MONGO_URI;
  if (!uri) throw new Error('MONGO_URI is required');
  await mongoose.connect(uri);
  await Item.init();
  const app = express();
  app.use(express.json());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.post('/api/baseline', (req, res, next) => {
    Item.create({ title: String(req.body.title), price: Number(req.body.price) }).then((item) => res.status(201).json(item), next);
  });
  app.get('/api/baseline/:id', (req, res, next) => {
    Item.findById(req.params.id).then((item) => (item ? res.json(item) : res.status(404).json({})), next);
  });
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const shutdown = (): void => {
    server.close(() => {
      void mongoose.disconnect().then(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
