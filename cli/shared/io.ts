/**
 * What a command touches outside itself: the terminal, the clock and the AWS clients. The
 * entry point builds the real ones; the tests hand in fakes.
 */
import * as os from 'os';
import * as readline from 'readline';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';

/** The AWS clients of one command, for one region. */
export interface Clients {
  readonly sfn: SFNClient;
  readonly cloudFormation: CloudFormationClient;
}

/** The outside world of a command. */
export interface Io {
  /** Whether standard input and output are a terminal (a person can answer a question). */
  readonly interactive: boolean;
  /** Who runs the command, e.g. "alice@laptop". */
  readonly user: string;
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  /** Asks a question on the terminal and resolves with the answer. */
  ask(question: string): Promise<string>;
  /** The current time, in epoch milliseconds. */
  now(): number;
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** The AWS clients for `region` (the SDK's default region when undefined). */
  clients(region: string | undefined): Clients;
}

/** The real terminal, clock and AWS clients. */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    ask: (question) => new Promise((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      rl.question(question, (answer) => {
        rl.close();
        resolve(answer);
      });
    }),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    clients: (region) => ({
      sfn: new SFNClient(region ? { region } : {}),
      cloudFormation: new CloudFormationClient(region ? { region } : {}),
    }),
    user: currentUser(),
  };
}

/** The user and host running the command, for the execution's `requestedBy`. */
export function currentUser(): string {
  let name: string;
  try {
    name = os.userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return `${name}@${os.hostname()}`;
}
