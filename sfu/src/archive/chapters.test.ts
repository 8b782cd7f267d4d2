import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testLogger } from '../test/logger';
import { ChapterBook, type ChapterList } from './chapters';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);

describe('a recording\'s chapters', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plenary-chapters-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('place each speech at its position in the recording, past an encoder restart\'s gap in wall time', async () => {
    const book = new ChapterBook(join(dir, 'chapters.json'), testLogger);
    book.speech('main', T0, true);
    book.follow({ main: 'Changchun main venue', 'sv-1': 'Jilin City' }, 'Opening address');
    book.recorded({ programDateTime: T0, duration: 2 });
    book.recorded({ programDateTime: T0 + 2000, duration: 2 });
    // The encoder died and came back 2 s later: the recording goes on from 4 s with wall time 6 s.
    book.recorded({ programDateTime: T0 + 6000, duration: 2 });
    book.speech('sv-1', T0 + 6500, true);
    // The program's slate is no speech, and the same venue again is the same speech.
    book.speech('slate', T0 + 7000, false);
    book.speech('sv-1', T0 + 7500, true);
    await book.flushed();
    const { chapters } = JSON.parse(await readFile(join(dir, 'chapters.json'), 'utf8')) as ChapterList;
    expect(chapters.map((c) => [c.venue, c.item, c.offset])).toEqual([
      ['Changchun main venue', 'Opening address', 0],
      ['Jilin City', 'Opening address', 4.5],
    ]);
  });
});
