import pino from 'pino';
import { MemoryStore } from '../store/memory';
import { ConferenceService } from './service';

const PRESIDER = { role: 'presider' } as const;
const input = { title: 'Provincial Conference', mainVenueName: 'Changchun', subVenues: [{ name: 'Jilin City' }], agenda: [], muteOthersOnGive: false };

describe('restream destinations as the conference service keeps them', () => {
  it('keeps the whole address beside the state, never in it, and forgets it when the destination goes', async () => {
    const store = new MemoryStore();
    const published: unknown[] = [];
    const service = new ConferenceService(store, (events) => published.push(...events), pino({ level: 'silent' }));
    await service.create('prov', input);
    const url = 'rtmp://live.example.com/app/station-key-123';
    expect(await service.execute('prov', PRESIDER, { type: 'addDestination', url })).toMatchObject({ ok: true });
    expect(await service.destinationSpecs('prov')).toEqual([{ id: 'rs-1', url, allowPrivate: false }]);
    const record = await store.get('prov');
    expect(JSON.stringify(record?.state)).not.toContain('station-key-123');
    expect(JSON.stringify(published)).not.toContain('station-key-123');
    // The same address again: refused, with the masked address, nothing stored twice.
    expect(await service.execute('prov', PRESIDER, { type: 'addDestination', url })).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'This destination is already added (rs-1: rtmp://live.example.com/app/****)' } });
    expect(await service.execute('prov', PRESIDER, { type: 'removeDestination', destinationId: 'rs-1' })).toMatchObject({ ok: true });
    expect(await service.destinationSpecs('prov')).toEqual([]);
    expect(JSON.stringify(await store.get('prov'))).not.toContain('station-key-123');
  });

  it('refuses an address on this machine or a private network unless the server allows them', async () => {
    const strict = new ConferenceService(new MemoryStore(), () => undefined, pino({ level: 'silent' }));
    await strict.create('prov', input);
    for (const url of ['rtmp://127.0.0.1:1935/live/k', 'rtmp://169.254.169.254/latest/meta-data', 'srt://[::1]:9000']) {
      expect(await strict.execute('prov', PRESIDER, { type: 'addDestination', url })).toMatchObject({ ok: false, error: { code: 'INVALID', message: expect.stringContaining('RESTREAM_PRIVATE=allow') } });
    }
    expect(await strict.destinationSpecs('prov')).toEqual([]);
    const lenient = new ConferenceService(new MemoryStore(), () => undefined, pino({ level: 'silent' }), Date.now, { privateDestinations: true });
    await lenient.create('prov', input);
    expect(await lenient.execute('prov', PRESIDER, { type: 'addDestination', url: 'rtmp://127.0.0.1:1935/live/k' })).toMatchObject({ ok: true });
  });
});
