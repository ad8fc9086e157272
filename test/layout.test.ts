/**
 * The construct reads as a composition of named parts: every file in `src/` stays short enough
 * to read at once, and every function short enough to hold in mind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', 'src');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every function, method, constructor and arrow function of a file, with its length in lines. */
function functionLengths(file: string): Array<{ name: string; lines: number }> {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Array<{ name: string; lines: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = ts.isConstructorDeclaration(node) ? 'constructor'
        : (node as ts.FunctionLikeDeclaration).name?.getText(source) ?? `(anonymous at line ${start + 1})`;
      found.push({ name: `${path.relative(SRC, file)}: ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('src/ layout', () => {
  const files = sourceFiles(SRC);

  test('finds the sources and their functions', () => {
    expect(files.map((f) => path.relative(SRC, f))).toEqual(expect.arrayContaining([
      'cpu-first-line-support.ts', 'checks.ts', 'guard.ts', 'role.ts', 'workflow.ts', 'trigger.ts', 'execution-failures.ts', 'validation.ts',
      'contract.ts', path.join('notifiers', 'slack.ts'), path.join('notifiers', 'opsgenie.ts'),
    ]));
    expect(functionLengths(path.join(SRC, 'cpu-first-line-support.ts')).map((f) => f.name)).toContain('cpu-first-line-support.ts: constructor');
  });

  test(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: path.relative(SRC, file), lines: fs.readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap(functionLengths).filter(({ lines }) => lines > MAX_FUNCTION_LINES);
    expect(long).toEqual([]);
  });
});
