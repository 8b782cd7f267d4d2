import { ConfigError, loadConfig } from './config';

describe('configuration from the environment', () => {
  it('runs with nothing set: port 8080, in-memory state, a generated admin key', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.redisUrl).toBeUndefined();
    expect(config.adminKeyGenerated).toBe(true);
    expect(config.adminKey.length).toBeGreaterThanOrEqual(16);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.mediasoupWorkers).toBeGreaterThanOrEqual(1);
    // A newcomer sees a live broadcast: the demo, with every venue of it simulated.
    expect(config.demo).toBe(true);
    expect(config.demoSimulatedVenues).toBe(3);
    expect(loadConfig({ DEMO: 'off' }).demo).toBe(false);
    expect(() => loadConfig({ DEMO: 'no' })).toThrow(/DEMO must be "on" or "off"/);
  });

  it('takes every documented variable', () => {
    const config = loadConfig({
      PORT: '9090',
      REDIS_URL: 'redis://127.0.0.1:6380',
      PLENARY_ADMIN_KEY: 'a-long-enough-admin-key',
      PUBLIC_URL: 'https://plenary.example.org/',
      ANNOUNCED_IP: '203.0.113.7',
      MEDIASOUP_WORKERS: '3',
      VIEWER_SAMPLE: '0.05',
      JOIN_RATE_PER_ADDRESS: '20',
      SOCKETS_PER_LINK: '2',
      VIEWERS_PER_ADDRESS: '200',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(config).toMatchObject({
      port: 9090,
      redisUrl: 'redis://127.0.0.1:6380',
      adminKey: 'a-long-enough-admin-key',
      adminKeyGenerated: false,
      publicUrl: 'https://plenary.example.org',
      announcedIp: '203.0.113.7',
      mediasoupWorkers: 3,
      viewerSample: 0.05,
      joinRatePerAddress: 20,
      socketsPerLink: 2,
      viewersPerAddress: 200,
      trustProxy: ['loopback', '10.0.0.0/8'],
    });
  });

  it('trusts no proxy by default and refuses a proxy list it cannot read', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(() => loadConfig({ TRUST_PROXY: 'the-edge' })).toThrow(/TRUST_PROXY must be addresses or CIDRs/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
  });

  it('refuses a viewer sample that is not a share of the audience', () => {
    for (const bad of ['0', '1.5', '-0.1', 'half']) expect(() => loadConfig({ VIEWER_SAMPLE: bad })).toThrow(/VIEWER_SAMPLE must be a number above 0/);
    expect(loadConfig({ VIEWER_SAMPLE: '1' }).viewerSample).toBe(1);
  });

  it('takes an LL-HLS part length from 0.25 to 1 s, 0.333 by default', () => {
    expect(loadConfig({}).broadcastPartSeconds).toBe(0.333);
    expect(loadConfig({ BROADCAST_PART_SECONDS: '0.5' }).broadcastPartSeconds).toBe(0.5);
    for (const bad of ['0.1', '2', '1/3', '-0.5']) expect(() => loadConfig({ BROADCAST_PART_SECONDS: bad })).toThrow(/BROADCAST_PART_SECONDS must be a length from 0.25 to 1/);
  });

  it('treats an empty value as unset, as .env files often leave them', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '' })).toMatchObject({ port: 8080, redisUrl: undefined });
  });

  it('fails with a message naming each bad variable and the value given', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', PUBLIC_URL: 'plenary.example.org', MEDIASOUP_WORKERS: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT must be a whole number from 0 to 65535 (got "eighty")');
    expect(message).toContain('PUBLIC_URL must be an http:// or https:// URL');
    expect(message).toContain('MEDIASOUP_WORKERS must be a positive whole number');
  });

  it('takes a TURN server with its shared secret, both or neither, and never prints the secret', () => {
    expect(loadConfig({}).turn).toBeUndefined();
    const urls = 'turn:turn.example.org:3478?transport=udp, turn:turn.example.org:3478?transport=tcp,turns:turn.example.org:443?transport=tcp';
    expect(loadConfig({ TURN_URLS: urls, TURN_SECRET: 'a-long-enough-turn-secret' }).turn).toEqual({
      urls: ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp', 'turns:turn.example.org:443?transport=tcp'],
      secret: 'a-long-enough-turn-secret',
      ttlSeconds: 3600,
    });
    expect(loadConfig({ TURN_URLS: urls, TURN_SECRET: 'a-long-enough-turn-secret', TURN_TTL_SECONDS: '600' }).turn?.ttlSeconds).toBe(600);
    expect(() => loadConfig({ TURN_URLS: urls })).toThrow(/TURN_SECRET: must be set with TURN_URLS/);
    expect(() => loadConfig({ TURN_SECRET: 'a-long-enough-turn-secret' })).toThrow(/TURN_URLS: must be set with TURN_SECRET/);
    for (const bad of ['stun:turn.example.org', 'turn:turn.example.org?transport=sctp', 'https://turn.example.org']) {
      expect(() => loadConfig({ TURN_URLS: bad, TURN_SECRET: 'a-long-enough-turn-secret' })).toThrow(/TURN_URLS must be TURN addresses/);
    }
    for (const bad of ['30', '100000', 'an hour']) expect(() => loadConfig({ TURN_URLS: urls, TURN_SECRET: 'a-long-enough-turn-secret', TURN_TTL_SECONDS: bad })).toThrow(/TURN_TTL_SECONDS/);
    expect(() => loadConfig({ TURN_URLS: urls, TURN_SECRET: 'short-turn' })).toThrow(/^Invalid configuration:\n {2}TURN_SECRET: TURN_SECRET must be at least 16 characters[^\n]*$/);
    expect(() => loadConfig({ TURN_URLS: urls, TURN_SECRET: 'short-turn' })).not.toThrow(/short-turn/);
  });

  it('serves HTTPS with a certificate and its key, both or neither, from files that exist', () => {
    expect(loadConfig({}).tls).toBeUndefined();
    // Any existing file will do for the check (the certificate itself is read at start).
    const tls = loadConfig({ TLS_CERT: __filename, TLS_KEY: __filename, PORT: '8443' });
    expect(tls.tls).toEqual({ certFile: __filename, keyFile: __filename });
    expect(tls.publicUrl).toBe('https://localhost:8443');
    expect(() => loadConfig({ TLS_CERT: __filename })).toThrow(/TLS_KEY: must be set with TLS_CERT/);
    expect(() => loadConfig({ TLS_KEY: __filename })).toThrow(/TLS_CERT: must be set with TLS_KEY/);
    expect(() => loadConfig({ TLS_CERT: '/no/such/cert.pem', TLS_KEY: __filename })).toThrow(/TLS_CERT must be the path of a PEM certificate file[^\n]*there is no file there \(got "\/no\/such\/cert.pem"\)/);
  });

  it('rejects a port above 65535', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
  });

  it('never prints a secret it rejects', () => {
    expect(() => loadConfig({ PLENARY_ADMIN_KEY: 'short-secret' })).toThrow(
      /^Invalid configuration:\n {2}PLENARY_ADMIN_KEY: PLENARY_ADMIN_KEY must be at least 16 characters$/,
    );
    expect(() => loadConfig({ REDIS_URL: 'http://user:pw@host' })).not.toThrow(/pw@host/);
    expect(() => loadConfig({ REDIS_URL: 'http://user:pw@host' })).toThrow(/REDIS_URL/);
  });
});
