// In-memory stand-ins for the database layer.
type User = { id: string; email: string; name: string };
type Order = { id: string; userId: string };

let nextId = 1;

export const users = {
  async create(fields: { email: string; name: string }): Promise<User> {
    return { id: String(nextId++), ...fields };
  },
};

export const orders = {
  async place(userId: string, items: unknown[]): Promise<Order> {
    return { id: `o${nextId++}-${items.length}`, userId };
  },
};

export async function legacyCustomers(): Promise<Array<{ id: string; email: string; signedUpAt: string }>> {
  return [];
}
