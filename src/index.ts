export * from './cpu-first-line-support';
export * from './notifier';
export * from './options';
