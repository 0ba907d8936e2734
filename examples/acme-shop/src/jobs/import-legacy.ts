// One-off: copy customers from the old shop into Customer.io.
import { cio } from '../lib/customerio';
import { legacyCustomers } from '../store';

async function main() {
  const customers = await legacyCustomers();
  await Promise.all(
    customers.map((customer) =>
      cio.identify(customer.id, {
        email: customer.email,
        created_at: Math.floor(new Date(customer.signedUpAt).getTime() / 1000),
      }),
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
