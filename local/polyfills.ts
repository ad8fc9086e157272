/**
 * aws-local-stepfunctions 3.x targets Node.js 22 and calls `Promise.withResolvers`,
 * which Node.js 20 lacks; this polyfill follows the spec's algorithm.
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

export {};
