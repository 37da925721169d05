/**
 * Runs a Node child process for the whole-process tests: its exit code or
 * signal and everything it printed. A child still alive after `deadlineMs`
 * is killed and fails its test instead of hanging the suite.
 */
import { spawn } from 'node:child_process';
import { root } from './helpers.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  deadlineMs: number;
  env?: NodeJS.ProcessEnv;
  /** Called with each line the child prints, and a way to signal it. */
  onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void;
}

export function runChild(args: string[], opts: ChildOptions): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    const deadline = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`child hung: ${args.join(' ')}\n${stdout}\n${stderr}`));
    }, opts.deadlineMs);
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (opts.onLine) for (const line of d.split('\n')) if (line) opts.onLine(line, (s) => p.kill(s));
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
