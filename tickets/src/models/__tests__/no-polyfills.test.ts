describe('what loading the tickets service does to the built-ins', () => {
  it('when the models and the app are loaded, then JSON.stringify, Promise and the array methods are still the ones from before (no polyfill replaced them)', () => {
    const before = { stringify: JSON.stringify, promise: Promise, flat: Array.prototype.flat, at: Array.prototype.at };
    // core-js/stable, loaded by mongoose-update-if-current's entry point, replaces JSON.stringify with a
    // slower wrapper in the whole process (and disguises it as native code); common/http loads the
    // library's version plugin on its own.
    jest.isolateModules(() => {
      // Loaded here, not imported at the top, so that `before` is taken first.
      /* eslint-disable @typescript-eslint/no-require-imports */
      require('../ticket');
      require('../../app');
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    expect(JSON.stringify).toBe(before.stringify);
    expect(Promise).toBe(before.promise);
    expect(Array.prototype.flat).toBe(before.flat);
    expect(Array.prototype.at).toBe(before.at);
  });
});
