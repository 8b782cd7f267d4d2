import type { SocketData } from '@plenary/shared';
import type { PlenaryIo } from './io';

/**
 * Makes socket.io's connection-state recovery safe to keep. A saved session is
 * handed back at most once (a copied session id cannot be replayed, nor held by
 * two sockets at once), and only while its identity still stands (its venue is
 * there, its link not replaced): otherwise the socket starts as a new one and
 * the handshake refuses it. socket.io restores the session's rooms and missed
 * events before any middleware runs, so this check must come first, here. The
 * handshake middleware still runs for recovered sockets too
 * (`skipMiddlewares: false`) and requires the same identity as the session's.
 */
export function guardSessionRecovery(io: PlenaryIo, stillStands: (data: SocketData) => Promise<boolean>, keepMs: number): void {
  const adapter = io.of('/').adapter;
  /** Session ids saved and not yet handed back, with when they were saved (oldest first). */
  const saved = new Map<string, number>();
  const persist = adapter.persistSession.bind(adapter);
  const restore = adapter.restoreSession.bind(adapter);

  adapter.persistSession = (session) => {
    const now = Date.now();
    for (const [pid, at] of saved) {
      if (at > now - keepMs) break;
      saved.delete(pid);
    }
    saved.set(session.pid, now);
    persist(session);
  };

  // socket.io's typing says a session always comes back; its adapters answer null when there is none.
  type Restored = Awaited<ReturnType<typeof restore>>;
  adapter.restoreSession = async (pid, offset) => {
    if (!saved.delete(pid)) return null as unknown as Restored;
    const session = (await restore(pid, offset)) as Restored | null;
    if (!session || !(await stillStands(session.data as SocketData))) return null as unknown as Restored;
    return session;
  };
}
