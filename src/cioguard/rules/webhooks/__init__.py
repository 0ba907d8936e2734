"""Rules about delivery failures and reporting webhooks."""
