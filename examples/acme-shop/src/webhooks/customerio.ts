import { Router } from 'express';
import { cio } from '../lib/customerio';

export const reportingWebhook = Router();

// Customer.io reporting webhook: delivery events for our emails.
reportingWebhook.post('/webhooks/customerio', async (req, res) => {
  const { metric, data } = req.body;
  if (metric === 'bounced' || metric === 'spammed') {
    await cio.suppress(data.customer_id);
  }
  res.sendStatus(200);
});
