import { ErrorCode, PlenaryError } from '../errors/codes';
import { fail, ok } from './ack';

describe('acks', () => {
  it('carries the data of a success', () => {
    expect(ok({ version: 3 })).toEqual({ ok: true, data: { version: 3 } });
  });

  it('passes a PlenaryError code and message to the client', () => {
    expect(fail(new PlenaryError(ErrorCode.FORBIDDEN, 'Only the presider can give the floor'))).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Only the presider can give the floor' },
    });
  });

  it('reports any other error as INTERNAL without leaking its message', () => {
    const ack = fail(new Error('ECONNREFUSED 10.0.0.7:6379 password=hunter2'));
    expect(ack).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
  });
});
