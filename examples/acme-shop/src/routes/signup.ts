import { Router } from 'express';
import { cio, trackEvent } from '../lib/customerio';
import { users } from '../store';

export const signup = Router();

signup.post('/signup', async (req, res) => {
  const user = await users.create({ email: req.body.email, name: req.body.name });
  await trackEvent(user.id, 'signed_up', { plan: 'free' });
  await cio.identify(user.id, {
    email: user.email,
    name: user.name,
    created_at: Date.now(),
  });
  res.status(201).json({ id: user.id });
});

signup.post('/newsletter', async (req, res) => {
  cio.identify(req.body.email, { newsletter: true });
  res.status(204).end();
});
