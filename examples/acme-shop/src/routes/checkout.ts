import { Router } from 'express';
import { ulid } from 'ulid';
import { cio, trackEvent } from '../lib/customerio';
import { orders } from '../store';

export const checkout = Router();

checkout.post('/checkout', async (req, res) => {
  const order = await orders.place(req.body.userId, req.body.items);
  // Fire and forget, but with a rejection handler and a unique event id: fine.
  cio
    .track(order.userId, { name: 'order_placed', id: ulid(), data: { order_id: order.id } })
    .catch((err) => console.error('order_placed not sent', err));
  res.status(201).json({ id: order.id });
});

checkout.post('/promotions/:code/apply', async (req, res) => {
  await trackEvent(req.body.userId, `promo_${req.params.code}_applied`);
  res.status(204).end();
});

checkout.post('/cart/viewed', async (req, res) => {
  await cio.track(req.body.userId, { name: 'CartViewed', id: req.body.userId });
  res.status(204).end();
});
