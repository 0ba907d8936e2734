import { APIClient, RegionUS, TrackClient } from 'customerio-node';

// Track API: people and events.
export const cio = new TrackClient(process.env.CIO_SITE_ID!, process.env.CIO_TRACK_API_KEY!, {
  region: RegionUS,
});

// App API: transactional email. The key below was pasted in while debugging.
export const cioApp = new APIClient('a1b9f03c44d27e58b6e1c0d9', { region: RegionUS });

// Every route reports product events through this helper.
export async function trackEvent(userId: string, name: string, data: Record<string, unknown> = {}) {
  return cio.track(userId, { name, data });
}
