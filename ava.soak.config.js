// ava configuration for `npm run soak`: the long versions of the reliability tests (issue 3), never part of `npm test`.
export default {
  files: ['dist/test/soak/**/*.soak.js'],
  timeout: '20m',
  workerThreads: false,
};
