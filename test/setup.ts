/**
 * Jest setup, run before every test file.
 *
 * aws-local-stepfunctions 3.x targets Node.js 22 and calls `Promise.withResolvers`,
 * which Node.js 20 lacks; this polyfill is the spec's algorithm.
 */
if (typeof (Promise as any).withResolvers !== 'function') {
  (Promise as any).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Handlers read the region from the Lambda environment; give the AWS SDK clients one.
process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
