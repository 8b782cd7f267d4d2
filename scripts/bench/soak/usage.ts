import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU ticks (1/100 s) by process, and resident memory, of a process and everything it started
 * (workers, ffmpeg, GStreamer). Ticks are per pid, so a child that exits between two samples does
 * not make the difference negative (see cpuTicksBetween).
 */
export function treeUsage(rootPid: number): { ticks: Map<number, number>; rssBytes: number; ownRssBytes: number; census: Record<string, { count: number; rssMiB: number }> } {
  const stats = new Map<number, { command: string; ppid: number; ticks: number; rss: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const command = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      stats.set(Number(name), { command, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), rss: Number(fields[21]) * 4096 });
    } catch {
      // The process ended while we looked.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 20; p = stats.get(p)?.ppid, hops++) if (p === rootPid) return true;
    return false;
  };
  const ticks = new Map<number, number>();
  let rssBytes = 0;
  // Which processes are alive, by command: a death shows as a count that drops between samples.
  const census: Record<string, { count: number; rssMiB: number }> = {};
  for (const [pid, s] of stats) {
    if (!inTree(pid)) continue;
    ticks.set(pid, s.ticks);
    rssBytes += s.rss;
    const entry = (census[s.command] ??= { count: 0, rssMiB: 0 });
    entry.count++;
    entry.rssMiB += s.rss / 2 ** 20;
  }
  for (const entry of Object.values(census)) entry.rssMiB = Math.round(entry.rssMiB);
  return { ticks, rssBytes, ownRssBytes: stats.get(rootPid)?.rss ?? 0, census };
}

/** CPU ticks spent between two samples by the processes alive at the second one. */
export function cpuTicksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ticks] of after) total += ticks - (before.get(pid) ?? 0);
  return total;
}
