export * from './cpu-first-line-support';
export * from './notifiers';
export * from './options';
