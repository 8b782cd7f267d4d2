import { useEffect, useState } from 'react';
import { publicConferenceSchema, type PublicConference } from '@plenary/shared';

export type { PublicConference };

/** The public view, or 'missing' when there is no such conference; undefined while the network fails. */
export async function fetchPublic(conferenceId: string): Promise<PublicConference | 'missing' | undefined> {
  try {
    const response = await fetch(`/api/conferences/${encodeURIComponent(conferenceId)}/public`);
    if (response.status === 404) return 'missing';
    if (!response.ok) return undefined;
    // Read through the shared schema: an answer of another shape is a failure to read, not a crash later.
    const parsed = publicConferenceSchema.safeParse(((await response.json()) as { data?: unknown }).data);
    return parsed.success ? parsed.data : undefined;
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
