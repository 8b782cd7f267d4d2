import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Spawns a media helper (ffmpeg, GStreamer) that dies with this process: if
 * Node is killed before it can stop its children, the kernel sends them
 * SIGKILL (util-linux `setpriv --pdeathsig`), so no sender keeps streaming
 * into a dead SFU and no encoder keeps eating a core.
 */
export function spawnTied(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', command, ...args], options);
}
