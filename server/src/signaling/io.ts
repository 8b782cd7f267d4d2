import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '@plenary/shared';

/** The control channel's Socket.io server and sockets, typed with every message both ways. */
export type PlenaryIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type PlenarySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
