import { useEffect, useState } from 'react';

/** The conference as anyone may see it: GET /api/conferences/:id/public (cacheable for a second). */
export interface PublicConference {
  id: string;
  title: string;
  status: 'live' | 'ended';
  venues: { id: string; name: string; kind: 'main' | 'sub' }[];
  onAir: { venueId: string; name: string; since: string } | null;
  agendaItem: { index: number; title: string; startedAt: string | null } | null;
  viewers: number;
  viewerBeacon: { sample: number; everySeconds: number };
  version: number;
}

/** The public view, or 'missing' when there is no such conference; undefined while the network fails. */
export async function fetchPublic(conferenceId: string): Promise<PublicConference | 'missing' | undefined> {
  try {
    const response = await fetch(`/api/conferences/${encodeURIComponent(conferenceId)}/public`);
    if (response.status === 404) return 'missing';
    if (!response.ok) return undefined;
    return ((await response.json()) as { data: PublicConference }).data;
  } catch {
    return undefined;
  }
}

/** The public view, read again every 5 s ('missing' when there is no such conference). */
export function usePublic(conferenceId: string): PublicConference | 'missing' | undefined {
  const [info, setInfo] = useState<PublicConference | 'missing'>();
  useEffect(() => {
    const read = () => void fetchPublic(conferenceId).then((answer) => answer !== undefined && setInfo(answer));
    read();
    const timer = setInterval(read, 5000);
    return () => clearInterval(timer);
  }, [conferenceId]);
  return info;
}
