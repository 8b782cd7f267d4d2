import { pushTarget, type Lookup } from './destination-address';

/** DNS answers as a resolver would give them: the name's addresses, which may change between asks. */
const answering = (...rounds: string[][]): Lookup => {
  let round = 0;
  return async () => (rounds[Math.min(round++, rounds.length - 1)] ?? []).map((address) => ({ address }));
};

describe('the address a restream connects to, checked each time it connects', () => {
  it('connects an RTMP push to the address it checked, and tells the server its own name in the tcUrl', async () => {
    expect(await pushTarget('rtmp://live.example.com/app/secret', false, answering(['203.0.113.7']))).toEqual({ url: 'rtmp://203.0.113.7/app/secret', tcUrl: 'rtmp://live.example.com/app' });
    expect(await pushTarget('rtmp://live.example.com:1936/app/secret', false, answering(['2001:db8::7']))).toEqual({ url: 'rtmp://[2001:db8::7]:1936/app/secret', tcUrl: 'rtmp://live.example.com:1936/app' });
    expect(await pushTarget('srt://ingest.example.com:9000?streamid=secret', false, answering(['198.51.100.4']))).toEqual({ url: 'srt://198.51.100.4:9000?streamid=secret' });
    // TLS needs the name.
    expect(await pushTarget('rtmps://live.example.com/app/secret', false, answering(['203.0.113.7']))).toEqual({ url: 'rtmps://live.example.com/app/secret' });
  });

  it('refuses a public-looking name that leads inside, now or on a later connect (DNS rebinding), and any answer with a private address', async () => {
    const rebinding = answering(['203.0.113.7'], ['127.0.0.1']);
    expect(await pushTarget('rtmp://stream.example.com/app/k', false, rebinding)).toMatchObject({ url: 'rtmp://203.0.113.7/app/k' });
    expect(await pushTarget('rtmp://stream.example.com/app/k', false, rebinding)).toMatchObject({ problem: 'PRIVATE' });
    for (const inside of ['10.1.2.3', '192.168.0.9', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(await pushTarget('rtmp://stream.example.com/app/k', false, answering(['203.0.113.7', inside]))).toMatchObject({ problem: 'PRIVATE' });
    }
    expect(await pushTarget('rtmp://10.0.0.5/app/k', false, answering())).toMatchObject({ problem: 'PRIVATE' });
  });

  it('says a name that does not resolve is unreachable, and leaves an allowed private address as it is', async () => {
    const failing: Lookup = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await pushTarget('rtmp://nowhere.example/app/k', false, failing)).toEqual({ problem: 'UNREACHABLE', message: 'the host nowhere.example was not found' });
    expect(await pushTarget('rtmp://127.0.0.1:1935/app/k', true, failing)).toEqual({ url: 'rtmp://127.0.0.1:1935/app/k' });
  });
});
