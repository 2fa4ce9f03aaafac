/**
 * jest test sequencer: the suites that spend tens of seconds on child processes (Temporal servers, `joiner start`,
 * Chromium, multi-process rigs) start first, so that with several workers they overlap each other and the short
 * suites fill the gaps, instead of one of them starting last and running alone as the tail of the run.
 *
 * Within each group jest's own order applies: failed suites first, then the durations it cached from earlier runs on
 * this machine, else file size. The list matters most on a clean machine (CI), where jest has no cached durations.
 * A new multi-process suite belongs here; a path under test/deployment/ or test/temporal-ui/ is matched already.
 */
const Sequencer = require('@jest/test-sequencer').default;

/** Slowest first (wall time on a quiet 2-core machine, run alone). */
const slowSuites = [
  /\/test\/cli\/start\.test\.ts$/,
  /\/test\/deployment\//,
  /\/test\/temporal-ui\//,
  /\/test\/cli\/operator-commands\.test\.ts$/,
  /\/test\/scim\/account-lifecycle\.test\.ts$/,
  /\/test\/lifecycle\/resilience\.test\.ts$/,
  /\/test\/lifecycle\/seed-flow\.test\.ts$/,
  /\/test\/lifecycle\/managers\.test\.ts$/,
  /\/test\/console\/.*\.browser\.test\.ts$/,
  /\/test\/scim\/cli-tokens\.test\.ts$/,
  /\/test\/lifecycle\/timers\.test\.ts$/,
  /\/test\/api\/scim-unstorable-strings\.test\.ts$/,
  /\/test\/store\/data-dir-lock\.test\.ts$/,
  /\/test\/lifecycle\/onboarding-writes\.test\.ts$/,
  /\/test\/lifecycle\/outbox\.test\.ts$/,
];

/** Position of the suite in {@link slowSuites}; the others after all of them. */
function rank(testPath) {
  const index = slowSuites.findIndex((pattern) => pattern.test(testPath.split('\\').join('/')));
  return index === -1 ? slowSuites.length : index;
}

class SlowFirstSequencer extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    // Array.prototype.sort is stable: jest's order is kept within a rank.
    return [...ordered].sort((a, b) => rank(a.path) - rank(b.path));
  }
}

module.exports = SlowFirstSequencer;
module.exports.slowSuites = slowSuites;
