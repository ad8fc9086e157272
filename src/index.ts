export * from './cpu-first-line-support';
export * from './props';
export * from './dashboard';
export * from './notifiers';
export * from './options';
