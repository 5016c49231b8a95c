import { HandOffs } from '../hand-offs';

const row = (aggregateId: string, aggregateVersion: number) => ({ aggregateId, aggregateVersion });

describe('hand-offs (rows committed in this process, for its relay)', () => {
  it('when an aggregate’s rows start at version 0, then they are its head run, in version order', () => {
    const handOffs = new HandOffs(10);
    handOffs.add([row('a', 1), row('a', 0), row('b', 0)]);

    expect(handOffs.takeRuns()).toEqual([[row('a', 0), row('a', 1)], [row('b', 0)]]);
    expect(handOffs.takeRuns()).toBeUndefined();
  });

  it('when a row follows the last version acknowledged, then it is the head; when one is missing in between, then nothing is', () => {
    const handOffs = new HandOffs(10);
    handOffs.acknowledged(row('a', 0));
    handOffs.add([row('a', 1)]);
    expect(handOffs.takeRuns()).toEqual([[row('a', 1)]]);

    handOffs.add([row('a', 3), row('b', 0)]);
    expect(handOffs.takeRuns()).toBeUndefined();
  });

  it('when the aggregate is unknown and the row is not its first version, then the relay must read', () => {
    const handOffs = new HandOffs(10);
    handOffs.add([row('a', 4)]);

    expect(handOffs.takeRuns()).toBeUndefined();
  });

  it('when more rows come than one batch, then the queue is dropped (the read takes them in batches)', () => {
    const handOffs = new HandOffs(2);
    handOffs.add([row('a', 0), row('b', 0)]);
    handOffs.add([row('c', 0)]);

    expect(handOffs.takeRuns()).toBeUndefined();
  });

  it('when an older acknowledgement comes after a newer one, then the newer version is kept', () => {
    const handOffs = new HandOffs(10);
    handOffs.acknowledged(row('a', 2));
    handOffs.acknowledged(row('a', 1));
    handOffs.add([row('a', 3)]);

    expect(handOffs.takeRuns()).toEqual([[row('a', 3)]]);
  });
});
