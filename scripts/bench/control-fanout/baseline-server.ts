// The baseline for the control-fanout benchmark: a bare socket.io server that
// broadcasts a floorGiven-shaped event to every client when asked, with no
// authentication, state store or conference model. Plenary's figures are
// compared with this one, measured in the same run on the same machine.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const server = createServer();
const io = new Server(server, { serveClient: false });
let version = 1;

io.on('connection', (socket) => {
  socket.on('command', (envelope: { command: { venueId: string } }, ack: (answer: unknown) => void) => {
    version++;
    io.emit('event', {
      conferenceId: 'baseline',
      version,
      event: { type: 'floorGiven', venueId: envelope.command.venueId, at: Date.now(), reason: 'given' },
    });
    ack({ ok: true, data: { version } });
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write('Plenary is running (baseline)\n'));
process.on('SIGTERM', () => io.close(() => process.exit(0)));
